"""The SimPy model: ship calls over anchorage → channel → berth → channel.

``quay`` allocates stretches of quay (berths) to waiting ships; ``port`` holds the
resources and runs the call processes of one replication.
"""
