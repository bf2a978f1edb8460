"""Disks: the StorageClass the hub database and user homes use."""
