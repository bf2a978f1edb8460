"""Pulumi components that build a complete JupyterHub on Kubernetes."""
