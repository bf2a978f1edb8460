"""Python scripts the cluster runs as Jobs, shipped verbatim in ConfigMaps beside `kube_api.py` (the
standard library only: they run in the hub image, whatever its packages)."""
