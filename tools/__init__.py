"""Developer tools: the offline plan, the configuration reference generator."""
