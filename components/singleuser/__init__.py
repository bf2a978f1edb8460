"""Users' servers: the KubeSpawner settings the hub uses and the NetworkPolicy of user pods."""
