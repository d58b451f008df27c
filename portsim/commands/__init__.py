"""One module per ``portsim`` sub-command."""
