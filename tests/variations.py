"""Stack configs that exercise every option family: authenticators, databases, storage, profiles, culler."""

from typing import Any

from .helpers import dev_hub, secure, stack_config

CALLBACK = "https://hub.example.edu/hub/oauth_callback"


MANUAL_HTTPS = {"mode": "manual", "certificate": secure("crt"), "key": secure("key")}


def _production_hub(
    authenticator: dict[str, Any], hub: dict[str, Any] | None = None, **sections: Any
) -> dict[str, Any]:
    """A production hub: a host, served over HTTPS with a certificate."""
    proxy = sections.pop("proxy", {})
    return {
        "host": "hub.example.edu",
        "hub": {"authenticator": authenticator, "adminUsers": ["prof"], **(hub or {})},
        "proxy": {**proxy, "https": MANUAL_HTTPS},
        **sections,
    }


GPU_PROFILES = {
    "profiles": [
        {"displayName": "CPU only", "default": True},
        {
            "displayName": "GPU (T4)",
            "slug": "gpu",
            "description": "One NVIDIA T4",
            "image": "quay.io/jupyter/pytorch-notebook:cuda12-2025-01-06",
            "cpu": {"guarantee": "2", "limit": "4"},
            "memory": {"guarantee": "8Gi", "limit": "16Gi"},
            "nodeSelector": {"cloud.google.com/gke-accelerator": "nvidia-tesla-t4"},
            "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
            "extraResourceLimits": {"nvidia.com/gpu": 1},
        },
    ]
}

VARIATIONS: dict[str, dict[str, Any]] = {
    "github": stack_config(
        {
            "physics": _production_hub(
                {
                    "type": "github",
                    "clientId": "Iv1.abc",
                    "clientSecret": secure("github"),
                    "callbackUrl": CALLBACK,
                    "allowedOrganizations": ["uni-physics"],
                },
                # A namespace of its own name (this term's), unlike the hub's: nothing may assume they agree.
                namespace="physics-2026-fall",
            )
        },
        environment="production",
    ),
    "google-postgres": stack_config(
        {
            "chem": _production_hub(
                {
                    "type": "google",
                    "clientId": "123.apps.googleusercontent.com",
                    "clientSecret": secure("google"),
                    "callbackUrl": CALLBACK,
                    "allowedDomains": ["university.edu"],
                },
                hub={"database": {"type": "postgres", "url": secure("db")}},
            )
        },
        environment="production",
    ),
    "generic-oauth-memory-db": stack_config(
        {
            "bio": _production_hub(
                {
                    "type": "generic-oauth",
                    "clientId": "jupyterhub",
                    "clientSecret": secure("oidc"),
                    "callbackUrl": CALLBACK,
                    "authorizeUrl": "https://idp.example.edu/auth",
                    "tokenUrl": "https://idp.example.edu/token",
                    "userdataUrl": "https://idp.example.edu/userinfo",
                    "allowedGroups": ["bio-101"],
                    "adminGroups": ["bio-staff"],
                },
                hub={"database": {"type": "sqlite-memory"}},
                proxy={"service": {"type": "ClusterIP"}},
            )
        },
        environment="production",
    ),
    "dummy-password-no-home-culler-off": stack_config(
        {
            "workshop": dev_hub(
                hub={
                    "authenticator": {"type": "dummy", "password": secure("pw")},
                    "database": {"type": "sqlite-memory"},
                },
                singleuser={"storage": {"type": "none"}},
                culler={"enabled": False},
            )
        }
    ),
    "gpu-profiles-storage-class": stack_config(
        {
            "ml": dev_hub(
                singleuser={
                    **GPU_PROFILES,
                    "storage": {"capacity": "20Gi", "storageClass": "fast-ssd"},
                    # A class's API key: encrypted, so carried in the users' Secret.
                    "extraEnv": {"COURSE": "ml-2026", "MODEL_API_KEY": secure("model-api-key")},
                },
                proxy={
                    "service": {
                        "type": "LoadBalancer",
                        "staticIp": "203.0.113.10",
                        "loadBalancerSourceRanges": ["198.51.100.0/24"],
                        "annotations": {"service.beta.kubernetes.io/aws-load-balancer-type": "nlb"},
                    }
                },
                hub={"namedServers": {"enabled": True, "limitPerUser": 3}, "baseUrl": "/ml/"},
                backups={"snapshotClass": "local-snapshots"},
                culler={"timeout": "2h", "every": "5m", "maxAge": "8h", "cullUsers": True, "removeNamedServers": True},
            )
        },
        cluster={
            "kind": "existing",
            "storage": {
                "className": "jupyterhub-homes",
                "create": {"provisioner": "rancher.io/local-path", "parameters": {"nodePath": "/data"}},
            },
        },
    ),
    "class-calendar": stack_config(
        {
            "stats": dev_hub(
                scheduling={
                    "timeZone": "Australia/Sydney",
                    "warmUpMinutes": 30,
                    "schedule": [
                        {"name": "Tutorial", "days": ["mon", "thu"], "start": "08:00", "end": "09:50", "students": 45},
                        {"name": "Final exam", "date": "2027-06-14", "start": "13:00", "end": "16:00", "students": 300},
                    ],
                },
            )
        }
    ),
    "class-storage": stack_config(
        {
            "phys101": dev_hub(
                scheduling={"placeholders": 2},
                hub={"groups": {"tas": ["ta1"], "team-1": ["student1", "student2"], "team-2": ["student3"]}},
                sharedStorage={
                    "type": "in-cluster-nfs",
                    "capacity": "50Gi",
                    "homeQuota": "5Gi",
                    "storageClass": "xfs-prjquota",
                },
                backups={
                    "schedule": "30 2 * * *",
                    "timeZone": "America/Chicago",
                    "keepDays": 21,
                    "snapshotClass": "csi-hostpath-snapclass",
                },
                singleuser={
                    "storage": {"type": "shared"},
                    "imagePullSecret": {"registry": "ghcr.io", "username": "phys101-bot", "password": secure("ghcr")},
                    "profiles": [
                        {
                            "displayName": "Standard",
                            "default": True,
                            "options": {
                                "image": {
                                    "displayName": "Course image",
                                    "choices": {
                                        "fall-2026": {
                                            "displayName": "Fall 2026",
                                            "default": True,
                                            "image": "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0",
                                        },
                                        "scipy": {
                                            "displayName": "SciPy stack",
                                            "image": "quay.io/jupyter/scipy-notebook:2025-01-06",
                                            "memory": {"guarantee": "2Gi", "limit": "4Gi"},
                                        },
                                    },
                                    "otherImage": {
                                        "pattern": r"quay\.io/jupyter/[a-z-]+-notebook:20[0-9]{2}-[0-9]{2}-[0-9]{2}"
                                    },
                                }
                            },
                        },
                        {
                            "displayName": "TA tools",
                            "slug": "ta-tools",
                            "groups": ["tas"],
                            "users": ["ta-lead"],
                            "image": "quay.io/jupyter/datascience-notebook:2025-01-06",
                            "cpu": {"guarantee": "500m", "limit": "2"},
                            "defaultUrl": "/lab/tree/shared",
                        },
                    ],
                    "classFolder": {"staffGroups": ["tas"], "staffUsers": ["ta-lead"]},
                    "groupFolders": {"groups": ["team-1", "team-2"]},
                    "content": {
                        "repositories": [
                            {"url": "https://github.com/example-physics/phys101", "branch": "fall-2026"},
                            {"url": "https://git.example.edu/labs.git", "target": "course/labs"},
                        ],
                        "files": {
                            "welcome.ipynb": '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
                            "/etc/jupyter/jupyter_server_config.json": '{"ServerApp": {"iopub_data_rate_limit": 1e7}}',
                        },
                    },
                    "extraVolumes": [
                        {"name": "shm", "emptyDir": {"medium": "Memory", "sizeLimit": "1Gi"}},
                        {"name": "datasets", "persistentVolumeClaim": {"claimName": "phys101-data", "readOnly": True}},
                        {"name": "course-tools", "configMap": {"name": "course-tools", "optional": True}},
                    ],
                    "extraVolumeMounts": [
                        {"name": "shm", "mountPath": "/dev/shm"},
                        {"name": "datasets", "mountPath": "/data", "readOnly": True},
                    ],
                    "initContainers": [
                        {
                            "name": "warm-cache",
                            "image": "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0",
                            "command": ["sh", "-c", "ls /tools > /dev/null; echo '{ready}'"],
                            "volumeMounts": [{"name": "course-tools", "mountPath": "/tools", "readOnly": True}],
                        }
                    ],
                    "extraContainers": [
                        {
                            "name": "grader-sync",
                            "image": "quay.io/jupyterhub/k8s-singleuser-sample:4.4.0",
                            "command": ["sleep", "infinity"],
                            "env": {"SYNC_FILTER": "{week}/*.ipynb"},
                            "memory": {"guarantee": "64Mi", "limit": "128Mi"},
                        }
                    ],
                    "lifecycleHooks": {
                        "postStart": {"command": ["sh", "-c", "mkdir -p ~/scratch"]},
                        "preStop": {"command": ["sh", "-c", "sync"]},
                    },
                },
            )
        }
    ),
    "existing-nfs": stack_config(
        {
            "seminar": dev_hub(
                sharedStorage={"type": "nfs", "server": "10.20.0.5", "path": "/exports/seminar"},
                singleuser={"classFolder": {"mountPath": "/home/jovyan/readings"}},
            )
        }
    ),
    "github-teams": stack_config(
        {
            "cs": _production_hub(
                {
                    "type": "github",
                    "url": "https://github.uni.edu",
                    "clientId": "Iv1.def",
                    "clientSecret": secure("github"),
                    "callbackUrl": CALLBACK,
                    "allowedGroups": ["uni-cs:cs101"],
                    "adminGroups": ["uni-cs:cs101-staff"],
                },
                singleuser={
                    "profiles": [
                        {"displayName": "Notebook"},
                        {"displayName": "Staff", "groups": ["uni-cs:cs101-staff"]},
                    ]
                },
            )
        },
        environment="production",
    ),
    "azure-ad": stack_config(
        {
            "econ": _production_hub(
                {
                    "type": "azure-ad",
                    "tenantId": "6f1c2a8e-1b7d-4c1e-9f0a-3c2b1a0d9e8f",
                    "clientId": "0f6e2d8c-1a2b-4c3d-8e9f-0a1b2c3d4e5f",
                    "clientSecret": secure("azure"),
                    "callbackUrl": CALLBACK,
                    "allowedGroups": ["2b3c4d5e-6f70-4812-9a3b-4c5d6e7f8091"],
                    "adminGroups": ["9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"],
                },
            )
        },
        environment="production",
    ),
    "cilogon": stack_config(
        {
            "astro": _production_hub(
                {
                    "type": "cilogon",
                    "clientId": "cilogon:/client_id/abc123",
                    "clientSecret": secure("cilogon"),
                    "callbackUrl": CALLBACK,
                    "identityProviders": {
                        "https://idp.uni.edu/idp/shibboleth": {
                            "username": {"claim": "eppn", "stripDomain": "uni.edu"},
                            "allowAll": True,
                            "default": True,
                        },
                        "http://github.com/login/oauth/authorize": {
                            "username": {"claim": "preferred_username", "prefix": "github"},
                            "allowedDomains": ["uni.edu"],
                        },
                    },
                    "manageGroups": True,
                },
            )
        },
        environment="production",
    ),
    "gitlab": stack_config(
        {
            "eng": _production_hub(
                {
                    "type": "gitlab",
                    "url": "https://gitlab.uni.edu:8443",
                    "clientId": "a1b2c3",
                    "clientSecret": secure("gitlab"),
                    "callbackUrl": CALLBACK,
                    "allowedGroups": ["eng/eng101"],
                    "allowedProjectIds": [4242],
                    "adminGroups": ["eng/staff"],
                },
            )
        },
        environment="production",
    ),
    "ldap-lookup": stack_config(
        {
            "math": _production_hub(
                {
                    "type": "ldap",
                    "server": "10.40.0.10",
                    "tls": "ldaps",
                    "caCertificate": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
                    "lookup": {
                        "searchBase": "ou=people,dc=uni,dc=edu",
                        "userAttribute": "sAMAccountName",
                        "bindDn": "cn=jupyterhub,ou=services,dc=uni,dc=edu",
                        "bindPassword": secure("ldap"),
                    },
                    "groupDns": {
                        "math101": "cn=math101,ou=groups,dc=uni,dc=edu",
                        "math-staff": "cn=math-staff,ou=groups,dc=uni,dc=edu",
                    },
                    "allowedGroups": ["math101"],
                    "adminGroups": ["math-staff"],
                },
            )
        },
        environment="production",
    ),
    "ldap-templates": stack_config(
        {
            "stats": _production_hub(
                {
                    "type": "ldap",
                    "server": "ldap.uni.edu",
                    "userDnTemplates": ["uid={username},ou=people,dc=uni,dc=edu"],
                    "allowAll": True,
                },
            )
        },
        environment="production",
    ),
    "lti13": stack_config(
        {
            "canvas": _production_hub(
                {
                    "type": "lti13",
                    "issuer": "https://canvas.instructure.com",
                    "clientIds": ["10000000000042"],
                    "authorizeUrl": "https://sso.canvaslms.com/api/lti/authorize_redirect",
                    "jwksUrl": "https://sso.canvaslms.com/api/lti/security/jwks",
                    "usernameClaim": "custom_login_id",
                    "allowedCourses": ["4dde05e8ca1973bcca9bffc13e1548820eee93a3"],
                    "allowedGroups": ["Learner", "TeachingAssistant"],
                    "adminGroups": ["Instructor"],
                },
                singleuser={
                    "profiles": [{"displayName": "Notebook"}, {"displayName": "TA", "groups": ["TeachingAssistant"]}]
                },
            )
        },
        environment="production",
    ),
    "branded": stack_config(
        {
            "phys101": dev_hub(
                hub={
                    "branding": {
                        "logo": "stacks/branding/phys101-logo.svg",
                        "loginText": "PHYS 101, Fall term. Log in with your course account.\n\n"
                        "Trouble logging in? See https://physics.example.edu/help",
                        "announcement": "Servers restart Friday at 18:00 <save your work>.",
                        "templates": {"home.html": "stacks/branding/phys101-home.html"},
                    }
                },
            )
        }
    ),
    "google-groups": stack_config(
        {
            "chem": _production_hub(
                {
                    "type": "google",
                    "clientId": "123.apps.googleusercontent.com",
                    "clientSecret": secure("google"),
                    "callbackUrl": CALLBACK,
                    "allowedDomains": ["university.edu"],
                    "groupsAccess": {"serviceAccountKey": secure("google-key"), "administrator": "it-admin"},
                    "allowedGroups": ["chem101"],
                    "adminGroups": ["chem-staff"],
                },
            )
        },
        environment="production",
    ),
}
