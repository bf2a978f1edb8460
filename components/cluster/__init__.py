"""Clusters: each module makes (or reaches) a cluster and returns a Kubernetes provider plus facts."""

from .existing import ExistingCluster
from .facts import ClusterFacts

__all__ = ["ClusterFacts", "ExistingCluster"]
