"""JupyterHub configuration, shipped verbatim in the hub ConfigMap and loaded by the hub pod.

It reads two things the stack mounts into the hub pod:
- `settings.json` beside this file (the ConfigMap): every non-secret setting, written by the stack
  from the validated config; its shape is components/hub/settings_contract.py (camelCase keys, every
  key present, null where unset), which the tests hold this file to;
- the hub Secret's files in HUB_SECRET_DIR (default /usr/local/etc/jupyterhub/secret): the proxy token,
  cookie secret, crypt key and any user-supplied secrets, under the keys settings.json's `secrets` names.

One override exists for running this file outside Kubernetes (the end-to-end tests do):
HUB_SERVICE_ADDRESSES, a JSON object mapping Service names to the host:port to use instead, e.g.
`{"hub": "127.0.0.1:18081", "proxy-api": "127.0.0.1:18001"}`. The hub then binds to its own Service's
address and reaches the proxy API at its; nothing else differs from what the cluster runs.
"""

import functools
import html
import json
import os
import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import kubespawner.spawner
from jupyterhub.utils import exponential_backoff
from kubernetes_asyncio.client.rest import ApiException
from kubespawner import KubeSpawner

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

CONFIG_DIR = Path(os.environ.get("HUB_CONFIG_DIR", Path(__file__).parent))
SECRET_DIR = Path(os.environ.get("HUB_SECRET_DIR", "/usr/local/etc/jupyterhub/secret"))
ADDRESS_OVERRIDES: dict[str, str] = json.loads(os.environ.get("HUB_SERVICE_ADDRESSES", "{}"))

settings = json.loads((CONFIG_DIR / "settings.json").read_text(encoding="utf-8"))
secrets = settings["secrets"]


def secret(name: str) -> str:
    """A secret by its name in settings.json's `secrets`, read from the hub Secret's file for it."""
    return (SECRET_DIR / secrets[name]).read_text(encoding="utf-8").strip()


def spawner_traits(traits: dict) -> dict:
    """settings.json's camelCase trait names as KubeSpawner's (`defaultUrl` -> `default_url`); nulls
    are traits the stack leaves alone."""
    return {
        re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).lower(): value for name, value in traits.items() if value is not None
    }


def literal(value: str) -> str:
    """A value KubeSpawner must not expand: it formats env values and volume mounts as templates
    (`{username}`...), so a literal brace (JSON in an env value) would break every spawn. The stack's
    values are literal: braces are doubled, which KubeSpawner's formatting turns back into one."""
    return value.replace("{", "{{").replace("}", "}}")


def service_url(url: str) -> str:
    """A Service URL, with its address replaced when HUB_SERVICE_ADDRESSES says so."""
    parts = urlsplit(url)
    address = ADDRESS_OVERRIDES.get(parts.hostname or "")
    return url if address is None else urlunsplit(parts._replace(netloc=address))


# --- JupyterHub -----------------------------------------------------------------------------------
hub = settings["hub"]
c.JupyterHub.base_url = settings["baseUrl"]
hub_service = urlsplit(hub["connectUrl"]).hostname or ""
c.JupyterHub.hub_bind_url = (
    f"http://{ADDRESS_OVERRIDES[hub_service]}" if hub_service in ADDRESS_OVERRIDES else hub["bindUrl"]
)
c.JupyterHub.hub_connect_url = service_url(hub["connectUrl"])
c.JupyterHub.cookie_secret = bytes.fromhex(secret("cookieSecret"))
c.CryptKeeper.keys = [bytes.fromhex(secret("cryptKey"))]
c.JupyterHub.cleanup_servers = False  # a hub restart must not stop users' servers
c.JupyterHub.concurrent_spawn_limit = hub["concurrentSpawnLimit"]
c.JupyterHub.active_server_limit = hub["activeServerLimit"]
c.JupyterHub.allow_named_servers = hub["namedServers"]["enabled"]
if hub["namedServers"]["limitPerUser"] is not None:
    c.JupyterHub.named_server_limit_per_user = hub["namedServers"]["limitPerUser"]

database = hub["database"]
c.JupyterHub.db_url = secret("databaseUrl") if database["type"] == "postgres" else database["url"]

# Browsers keep to HTTPS once they have seen the hub over it (Strict-Transport-Security).
hsts_max_age = settings["https"]["hstsMaxAge"]
if hsts_max_age:
    c.JupyterHub.tornado_settings = {"headers": {"Strict-Transport-Security": f"max-age={hsts_max_age}"}}

# The proxy runs in its own pod; the hub only talks to its API.
c.ConfigurableHTTPProxy.should_start = False
c.ConfigurableHTTPProxy.api_url = service_url(settings["proxy"]["apiUrl"])
c.ConfigurableHTTPProxy.auth_token = secret("proxyToken")

# --- The hub's look -------------------------------------------------------------------------------
branding = settings["branding"]
if branding["logo"]:
    c.JupyterHub.logo_file = str(CONFIG_DIR / branding["logo"])
if branding["templates"]:
    c.JupyterHub.template_paths = [str(CONFIG_DIR)]  # the stack's pages first; JupyterHub's stay behind them
c.JupyterHub.template_vars = {
    name: value
    for name, value in {"announcement": branding["announcement"], "login_text": branding["loginText"]}.items()
    if value is not None
}

# --- Authentication -------------------------------------------------------------------------------
auth = settings["authenticator"]
c.Authenticator.admin_users = set(hub["adminUsers"])
c.JupyterHub.load_groups = {name: {"users": members} for name, members in hub["groups"].items()}
c.Authenticator.allowed_users = set(hub["allowedUsers"])
if auth["type"] != "dummy":
    c.Authenticator.allow_all = auth["allowAll"]
    c.Authenticator.enable_auth_state = True  # provider tokens and claims, encrypted with the crypt key
if auth["type"] != "dummy":
    # The provider decides group memberships (and admins by group) at each login.
    c.Authenticator.manage_groups = auth["manageGroups"]


@functools.cache
def oidc_endpoints(issuer: str) -> dict[str, str]:
    """An OpenID Connect provider's endpoints, from its discovery document (read once; a failure is not kept)."""
    import urllib.request

    url = f"{issuer.rstrip('/')}/.well-known/openid-configuration"
    with urllib.request.urlopen(url, timeout=15) as answer:  # noqa: S310 - an https URL the stack validated
        document = json.load(answer)
    if document.get("issuer", "").rstrip("/") != issuer.rstrip("/"):  # OpenID Connect Discovery 1.0, 4.3
        raise ValueError(f"{url} names issuer {document.get('issuer')!r}, not {issuer!r}")
    return {
        "authorizeUrl": document["authorization_endpoint"],
        "tokenUrl": document["token_endpoint"],
        "userdataUrl": document["userinfo_endpoint"],
    }


def group_model(model: dict, groups: set[str], admin_users: set[str], admin_groups: set[str]) -> dict:
    """An authenticator's answer with the hub groups the provider reported, and admin as admin groups say
    (when there are any: someone who left them loses admin, unless named in adminUsers)."""
    model["groups"] = sorted(groups)
    if admin_groups:
        model["admin"] = model["name"] in admin_users or bool(groups & admin_groups)
    return model


if auth["type"] == "dummy":
    c.JupyterHub.authenticator_class = "dummy"
    if secrets["dummyPassword"]:
        c.DummyAuthenticator.password = secret("dummyPassword")
    c.Authenticator.allow_all = not hub["allowedUsers"]
elif auth["type"] == "ldap":
    import ssl

    from ldap3.core.exceptions import LDAPException
    from ldapauthenticator import LDAPAuthenticator

    LDAP_GROUPS = {dn.lower(): name for name, dn in auth["groupDns"].items()}
    LDAP_ALLOWED_GROUPS = set(auth["allowedGroups"]) | set(auth["adminGroups"])

    class CampusLDAPAuthenticator(LDAPAuthenticator):
        """LDAPAuthenticator whose group lookups (every group of `groupDns`) become hub groups, admin groups
        and allowed groups."""

        async def authenticate(self, handler: Any, data: dict) -> dict | None:
            try:
                model = await super().authenticate(handler, data)
            except LDAPException as error:  # the directory unreachable, its certificate not trusted...
                self.log.error("Login of %r failed: the directory answered %s", data.get("username"), error)
                return None
            if model is None:
                return None
            found = {LDAP_GROUPS[dn.lower()] for dn in model["auth_state"]["ldap_groups"]}
            model["name"] = self.normalize_username(model["name"])
            return group_model(model, found, self.admin_users, set(auth["adminGroups"]))

        async def check_allowed(self, username: str, auth_model: dict | None) -> bool:
            # Not LDAPAuthenticator's: it would let in members of every group it looked up.
            return bool(
                self.allow_all
                or username in self.allowed_users
                or (auth_model or {}).get("admin")
                or set((auth_model or {}).get("groups") or []) & LDAP_ALLOWED_GROUPS
            )

    c.JupyterHub.authenticator_class = CampusLDAPAuthenticator
    c.LDAPAuthenticator.server_address = auth["server"]
    c.LDAPAuthenticator.server_port = auth["port"]
    c.LDAPAuthenticator.tls_strategy = {"start-tls": "before_bind", "ldaps": "on_connect", "none": "insecure"}[
        auth["tls"]
    ]
    # ldap3 verifies nothing unless told to: the directory's certificate must be valid for its name.
    tls = {"validate": ssl.CERT_REQUIRED, "valid_names": [auth["server"]]}
    if auth["caCertificate"]:
        tls["ca_certs_data"] = auth["caCertificate"]
    c.LDAPAuthenticator.tls_kwargs = tls
    if auth["lookup"]:
        c.LDAPAuthenticator.lookup_dn = True
        c.LDAPAuthenticator.user_search_base = auth["lookup"]["searchBase"]
        c.LDAPAuthenticator.user_attribute = auth["lookup"]["userAttribute"]
        # The user name is the directory's spelling of what the user typed (LDAPAuthenticator needs it named).
        c.LDAPAuthenticator.lookup_dn_user_dn_attribute = auth["lookup"]["userAttribute"]
        c.LDAPAuthenticator.lookup_dn_search_user = auth["lookup"]["bindDn"]
        c.LDAPAuthenticator.lookup_dn_search_password = secret("ldapBindPassword")
    else:
        c.LDAPAuthenticator.bind_dn_template = auth["userDnTemplates"]
    c.LDAPAuthenticator.allowed_groups = sorted(auth["groupDns"].values())
elif auth["type"] == "lti13":
    from ltiauthenticator.lti13.auth import LTI13Authenticator

    LTI_ROLES_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/roles"
    LTI_CONTEXT_CLAIM = "https://purl.imsglobal.org/spec/lti/claim/context"
    LTI_COURSE_ROLE = re.compile(r"^http://purl\.imsglobal\.org/vocab/lis/v2/membership(/[A-Za-z]+)?#([A-Za-z]+)$")
    LTI_ALLOWED_GROUPS = set(auth["allowedGroups"]) | set(auth["adminGroups"])
    LTI_ALLOWED_COURSES = set(auth["allowedCourses"])

    class CourseLTI13Authenticator(LTI13Authenticator):
        """LTI13Authenticator whose users' course roles become hub groups (`Instructor`, `Learner`...),
        admin groups and allowed groups, and which lets in launches from the allowed courses only."""

        async def authenticate(self, handler: Any, data: dict | None = None) -> dict:
            model = await super().authenticate(handler, data)
            claims = model["auth_state"]
            roles = {match[2] for role in claims.get(LTI_ROLES_CLAIM, []) if (match := LTI_COURSE_ROLE.match(role))}
            model["name"] = self.normalize_username(model["name"])
            return group_model(model, roles, self.admin_users, set(auth["adminGroups"]))

        def check_blocked_users(self, username: str, authentication: dict | None = None) -> bool:
            course = ((authentication or {}).get("auth_state") or {}).get(LTI_CONTEXT_CLAIM, {}).get("id")
            if LTI_ALLOWED_COURSES and course not in LTI_ALLOWED_COURSES:
                self.log.warning("Refusing %s: launched from course %r, not an allowed one", username, course)
                return False
            return super().check_blocked_users(username, authentication)

        def check_allowed(self, username: str, authentication: dict | None = None) -> bool:
            return bool(
                super().check_allowed(username, authentication)
                or (authentication or {}).get("admin")
                or set((authentication or {}).get("groups") or []) & LTI_ALLOWED_GROUPS
            )

    c.JupyterHub.authenticator_class = CourseLTI13Authenticator
    c.LTI13Authenticator.issuer = auth["issuer"]
    c.LTI13Authenticator.client_id = set(auth["clientIds"])
    c.LTI13Authenticator.authorize_url = auth["authorizeUrl"]
    c.LTI13Authenticator.jwks_endpoint = auth["jwksUrl"]
    c.LTI13Authenticator.username_key = auth["usernameClaim"]
else:
    oauth_class = {
        "github": "github",
        "google": "google",
        "generic-oauth": "generic-oauth",
        "azure-ad": "azuread",
        "cilogon": "cilogon",
        "gitlab": "gitlab",
    }[auth["type"]]
    c.JupyterHub.authenticator_class = oauth_class
    c.OAuthenticator.client_id = auth["clientId"]
    c.OAuthenticator.client_secret = secret("oauthClientSecret")
    c.OAuthenticator.oauth_callback_url = auth["callbackUrl"]
    if auth["type"] != "google":  # Google's group rules are its own traits (below)
        c.OAuthenticator.admin_groups = set(auth["adminGroups"])
        c.OAuthenticator.allowed_groups = set(auth["allowedGroups"])
    if auth["type"] == "github":
        c.GitHubOAuthenticator.github_url = auth["url"]
        c.GitHubOAuthenticator.allowed_organizations = set(auth["allowedOrganizations"])
        if auth["allowedOrganizations"] or auth["manageGroups"]:
            c.GitHubOAuthenticator.scope = ["read:org"]  # needed to see private memberships and teams
        if auth["manageGroups"]:
            c.GitHubOAuthenticator.populate_teams_in_auth_state = True

            def github_teams(auth_state: dict) -> list[str]:
                """The user's teams as hub groups: `org:team`."""
                return [f"{team['organization']['login']}:{team['slug']}" for team in auth_state.get("teams") or []]

            c.GitHubOAuthenticator.auth_state_groups_key = github_teams
    elif auth["type"] == "google":
        domains = auth["allowedDomains"]
        c.GoogleOAuthenticator.hosted_domain = domains
        if auth["groupsAccess"]:  # Google's group rules are per Workspace domain: the same in each
            from oauthenticator.google import GoogleOAuthenticator

            class GroupsGoogleOAuthenticator(GoogleOAuthenticator):
                """GoogleOAuthenticator that asks for the groups of allowed domains' users only: another
                Workspace's user is refused by hosted_domain next (GoogleOAuthenticator would fail on the
                domain it has no administrator for, and answer 500)."""

                async def update_auth_model(self, auth_model: dict) -> dict:
                    user_info = auth_model["auth_state"][self.user_auth_state_key]
                    if user_info["domain"] not in self.google_service_account_keys:
                        user_info["google_groups"] = []
                        return auth_model
                    return await super().update_auth_model(auth_model)

            c.JupyterHub.authenticator_class = GroupsGoogleOAuthenticator
            key_file = str(SECRET_DIR / secrets["googleServiceAccountKey"])
            c.GoogleOAuthenticator.google_service_account_keys = dict.fromkeys(domains, key_file)
            administrator = auth["groupsAccess"]["administrator"]
            c.GoogleOAuthenticator.gsuite_administrator = dict.fromkeys(domains, administrator)
            c.GoogleOAuthenticator.allowed_google_groups = {domain: set(auth["allowedGroups"]) for domain in domains}
            c.GoogleOAuthenticator.admin_google_groups = {domain: set(auth["adminGroups"]) for domain in domains}
            c.GoogleOAuthenticator.auth_state_groups_key = "google_user.google_groups"
    elif auth["type"] == "generic-oauth":
        if auth["issuer"]:
            from oauthenticator.generic import GenericOAuthenticator
            from traitlets import default

            class DiscoveringGenericOAuthenticator(GenericOAuthenticator):
                """GenericOAuthenticator whose endpoints come from the issuer's discovery document, read
                when a login first needs them (a provider that cannot be reached fails that login, and the
                next one asks again), not when the configuration is loaded."""

                @default("authorize_url")
                def _discovered_authorize_url(self) -> str:
                    return oidc_endpoints(auth["issuer"])["authorizeUrl"]

                @default("token_url")
                def _discovered_token_url(self) -> str:
                    return oidc_endpoints(auth["issuer"])["tokenUrl"]

                @default("userdata_url")
                def _discovered_userdata_url(self) -> str:
                    return oidc_endpoints(auth["issuer"])["userdataUrl"]

            c.JupyterHub.authenticator_class = DiscoveringGenericOAuthenticator
        else:
            c.GenericOAuthenticator.authorize_url = auth["authorizeUrl"]
            c.GenericOAuthenticator.token_url = auth["tokenUrl"]
            c.GenericOAuthenticator.userdata_url = auth["userdataUrl"]
        c.GenericOAuthenticator.username_claim = auth["usernameClaim"]
        c.GenericOAuthenticator.scope = auth["scopes"]
        c.GenericOAuthenticator.auth_state_groups_key = f"oauth_user.{auth['groupsClaim']}"
    elif auth["type"] == "azure-ad":
        c.AzureAdOAuthenticator.tenant_id = auth["tenantId"]
        c.AzureAdOAuthenticator.graph_url = auth["loginUrl"]
        c.AzureAdOAuthenticator.username_claim = auth["usernameClaim"]
        c.AzureAdOAuthenticator.auth_state_groups_key = f"user.{auth['groupsClaim']}"
    elif auth["type"] == "cilogon":
        c.CILogonOAuthenticator.cilogon_host = auth["host"]
        c.CILogonOAuthenticator.idps = {
            entity: {
                "username_derivation": {
                    "username_claim": idp["usernameClaim"],
                    **({"action": "strip_idp_domain", "domain": idp["stripDomain"]} if idp["stripDomain"] else {}),
                    **({"action": "prefix", "prefix": idp["prefix"]} if idp["prefix"] else {}),
                },
                "allow_all": idp["allowAll"],
                "allowed_domains": idp["allowedDomains"],
                **({"default": True} if idp["default"] else {}),
            }
            for entity, idp in auth["identityProviders"].items()
        }
        c.CILogonOAuthenticator.auth_state_groups_key = f"cilogon_user.{auth['groupsClaim']}"
    else:
        from oauthenticator.gitlab import GitLabOAuthenticator

        class GroupsGitLabOAuthenticator(GitLabOAuthenticator):
            """GitLabOAuthenticator whose users' groups (full paths, where they are Guest or above, also through
            a parent group) become hub groups."""

            async def get_user_groups(self, auth_state: dict) -> set[str]:
                headers = {"Authorization": f"Bearer {auth_state['access_token']}"}
                groups: set[str] = set()
                page: str = "1"
                while page:  # GitLab pages its lists; X-Next-Page is empty on the last page
                    answer = await self.httpfetch(
                        f"{self.gitlab_api}/groups?min_access_level=10&per_page=100&page={page}",
                        label="fetching the user's groups",
                        parse_json=False,
                        headers=headers,
                    )
                    groups |= {group["full_path"] for group in json.loads(answer.body)}
                    page = answer.headers.get("X-Next-Page", "")
                return groups

        c.JupyterHub.authenticator_class = GroupsGitLabOAuthenticator
        c.GitLabOAuthenticator.gitlab_url = auth["url"]
        # Groups are checked as hub groups (the user's groups as GitLab lists them, access inherited from
        # parent groups included), not with allowed_gitlab_groups, whose URLs escape a group's path twice.
        c.GitLabOAuthenticator.allowed_project_ids = set(auth["allowedProjectIds"])
        reads_memberships = auth["manageGroups"] or auth["allowedProjectIds"]
        c.GitLabOAuthenticator.scope = ["read_user", "read_api"] if reads_memberships else ["read_user"]

# --- User servers (KubeSpawner) -------------------------------------------------------------------
_QUANTITY_SUFFIXES = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}
_QUANTITY_SUFFIXES.update({"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60})


def quantity_bytes(quantity: str) -> Decimal:
    """A storage quantity (`10Gi`, `1500M`, `1e9`) in bytes."""
    number, suffix = re.fullmatch(r"([0-9.eE+-]*?)([KMGTPE]i|[kMGTPE])?", quantity).groups()  # type: ignore[union-attr]
    return Decimal(number) * _QUANTITY_SUFFIXES[suffix or ""]


spawner = settings["spawner"]
home, shared = spawner["home"], spawner["sharedStorage"]
class_folder, group_folders = spawner["classFolder"], spawner["groupFolders"]
content, extensions = spawner["content"], spawner["extensions"]
CONTENT_DIR = "/etc/jupyterhub/course-content"
"""Where the course content step finds its ConfigMap."""
CONTAINER_SECURITY_CONTEXT = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}
"""Every container of a user pod: Pod Security's "restricted"."""
CONTENT_RESOURCES = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}}


def literal_object(value: Any) -> Any:
    """A Kubernetes object from the stack with every string kept literal (see `literal`)."""
    if isinstance(value, dict):
        return {key: literal_object(item) for key, item in value.items()}
    if isinstance(value, list):
        return [literal_object(item) for item in value]
    return literal(value) if isinstance(value, str) else value


def server_security_context() -> dict:
    """The server container's security context, for the containers the stack adds to user pods."""
    return {**CONTAINER_SECURITY_CONTEXT, "runAsUser": spawner["traits"]["uid"]}


def added_container(container: dict) -> dict:
    """A container of the stack's `initContainers`/`extraContainers`: literal, as the server's user."""
    return {**literal_object(container), "securityContext": server_security_context()}


def home_mount() -> dict | None:
    """The server's home mount (with KubeSpawner's `{username}` for shared homes); None: no home volume."""
    path = literal(home["mountPath"])
    if home["type"] == "dynamic":
        return {"name": "home", "mountPath": path}
    if home["type"] == "shared":
        return {"name": "shared-storage", "mountPath": path, "subPath": f"{shared['homesFolder']}/{{username}}"}
    return None


def pod_volumes() -> tuple[list[dict], list[dict]]:
    """The volumes of every user pod, and the server's mounts that are the same for every user."""
    volumes, mounts = [], []
    if home["type"] == "dynamic":
        volumes.append({"name": "home", "persistentVolumeClaim": {"claimName": "{pvc_name}"}})
    if shared:
        volumes.append({"name": "shared-storage", "persistentVolumeClaim": {"claimName": shared["claim"]}})
    if (mount := home_mount()) is not None:
        mounts.append(mount)
    if content:
        volumes.append({"name": "course-content", "configMap": {"name": content["configMap"]}})
        for path, key in sorted(content["mountedFiles"].items()):
            mounts.append({"name": "course-content", "mountPath": literal(path), "subPath": key, "readOnly": True})
    volumes += literal_object(extensions["volumes"])
    mounts += literal_object(extensions["volumeMounts"])
    return volumes, mounts


POD_VOLUMES, SERVER_MOUNTS = pod_volumes()
STAFF_USERS = set(class_folder["staffUsers"]) if class_folder else set()
STAFF_GROUPS = set(class_folder["staffGroups"]) if class_folder else set()
CLASS_FOLDER_MOUNT = (
    {"name": "shared-storage", "mountPath": literal(class_folder["mountPath"]), "subPath": class_folder["folder"]}
    if class_folder
    else None
)
"""The class folder's mount, read-only unless the user is staff."""
ALL_GROUP_FOLDERS_MOUNT, GROUP_FOLDER_MOUNTS = None, {}
if group_folders:
    ALL_GROUP_FOLDERS_MOUNT = {
        "name": "shared-storage",
        "mountPath": literal(group_folders["mountPath"]),
        "subPath": group_folders["folder"],
    }
    GROUP_FOLDER_MOUNTS = {
        group: {
            "name": "shared-storage",
            "mountPath": literal(f"{group_folders['mountPath']}/{group}"),
            "subPath": f"{group_folders['folder']}/{group}",
        }
        for group in group_folders["groups"]
    }
CONTENT_STEP = None
"""The course content step, but its image (null: the server's, known at spawn)."""
if content:
    CONTENT_STEP = {
        "name": "course-content",
        "image": content["image"],
        "command": ["python3", f"{CONTENT_DIR}/{content['scriptKey']}"],
        "env": [{"name": "HOME", "value": literal(home["mountPath"])}],
        # Not literal: the home mount's `{username}` is KubeSpawner's to expand.
        "volumeMounts": [
            *([mount] if (mount := home_mount()) else []),
            {"name": "course-content", "mountPath": CONTENT_DIR, "readOnly": True},
        ],
        "resources": CONTENT_RESOURCES,
        "securityContext": server_security_context(),
    }
ADDED_INIT_CONTAINERS = [added_container(container) for container in extensions["initContainers"]]


class HomeSpawner(KubeSpawner):
    """KubeSpawner, with homes and folders that follow the stack.

    - A returning user's claim grows to the configured size when their server starts (Kubernetes expands
      the disk; classes made by the stack allow it), and a named server's claim goes when the server is
      removed, while the default server's home is never deleted.
    - The class folder is writable for staff (admins, staff users, members of staff groups) and read-only
      for everyone else; each member of a group with a folder mounts it, staff mount all of them.
    - The course content step runs first, with the server's image unless the stack names one.
    """

    async def get_pod_manifest(self) -> Any:
        # KubeSpawner has ensured the claim (created it, or found it) just before it asks for the pod.
        if self.storage_pvc_ensure:
            await self._grow_home()
        self.volume_mounts = [*SERVER_MOUNTS, *self._folder_mounts()]
        content_step = [{**CONTENT_STEP, "image": CONTENT_STEP["image"] or self.image}] if CONTENT_STEP else []
        self.init_containers = [*content_step, *ADDED_INIT_CONTAINERS]
        return await super().get_pod_manifest()

    def is_staff(self) -> bool:
        """Whether this user writes the class folder and sees every group folder."""
        groups = {group.name for group in self.user.groups}
        return bool(self.user.admin or self.user.name in STAFF_USERS or groups & STAFF_GROUPS)

    def _folder_mounts(self) -> list[dict]:
        staff, groups = self.is_staff(), {group.name for group in self.user.groups}
        mounts = [{**CLASS_FOLDER_MOUNT, "readOnly": not staff}] if CLASS_FOLDER_MOUNT else []
        if staff and ALL_GROUP_FOLDERS_MOUNT:
            mounts.append(ALL_GROUP_FOLDERS_MOUNT)
        elif not staff:
            mounts += [mount for group, mount in GROUP_FOLDER_MOUNTS.items() if group in groups]
        return mounts

    async def _grow_home(self) -> None:
        try:
            claim = await self.api.read_namespaced_persistent_volume_claim(self.pvc_name, self.namespace)
        except ApiException as error:
            if error.status == 404:
                return
            raise
        size = claim.spec.resources.requests["storage"]
        if quantity_bytes(size) >= quantity_bytes(self.storage_capacity):
            return
        self.log.info("Growing %s from %s to %s", self.pvc_name, size, self.storage_capacity)
        patch = {"spec": {"resources": {"requests": {"storage": self.storage_capacity}}}}
        try:
            await self.api.patch_namespaced_persistent_volume_claim(
                self.pvc_name, self.namespace, patch, _content_type="application/merge-patch+json"
            )
        except ApiException as error:  # e.g. a class that cannot expand: the server starts at the old size
            self.log.warning("Could not grow %s to %s: %s", self.pvc_name, self.storage_capacity, error.reason)

    async def delete_forever(self) -> None:
        if not self.name or not self.storage_pvc_ensure:
            self.log.info("Keeping the home of %s (only named servers' homes go with them)", self.user.name)
            return
        self.log.info("Deleting %s, the home of removed server %s/%s", self.pvc_name, self.user.name, self.name)
        try:
            await self.api.delete_namespaced_persistent_volume_claim(self.pvc_name, self.namespace)
        except ApiException as error:
            if error.status != 404:
                raise


POD_LOOK_SECONDS = 0.5
"""The longest KubeSpawner waits between looks at a starting pod (and between retries of its requests)."""


def prompt_backoff(pass_func: Any, fail_message: str, *args: Any, **kwargs: Any) -> Any:
    """JupyterHub's backoff with waits of at most POD_LOOK_SECONDS. KubeSpawner looks at its starting pod
    in its watch-fed cache with this backoff, whose waits grow to 5 s: a pod running 2 s after it was made
    was seen up to 3 s later (the class-start benchmark's one student: 5.5 s instead of 2.5). The cache is
    in memory, so looking twice a second costs nothing, even for a class starting at once."""
    kwargs["max_wait"] = min(kwargs.get("max_wait", POD_LOOK_SECONDS), POD_LOOK_SECONDS)
    return exponential_backoff(pass_func, fail_message, *args, **kwargs)


kubespawner.spawner.exponential_backoff = prompt_backoff  # what KubeSpawner's start and stop call
c.JupyterHub.spawner_class = HomeSpawner
c.KubeSpawner.namespace = settings["namespace"]
for trait, value in spawner_traits(spawner["traits"]).items():
    setattr(c.KubeSpawner, trait, value)
c.KubeSpawner.environment = {name: literal(value) for name, value in spawner["environment"].items()}
for name, ref in spawner["secretEnvironment"].items():  # the value stays in the Secret: the pod reads it
    c.KubeSpawner.environment[name] = {"valueFrom": {"secretKeyRef": {"name": ref["secret"], "key": ref["key"]}}}
c.KubeSpawner.http_timeout = 60
c.KubeSpawner.events_enabled = True
c.KubeSpawner.automount_service_account_token = False  # user code never needs the Kubernetes API
c.KubeSpawner.allow_privilege_escalation = False
c.KubeSpawner.container_security_context = {
    name: value for name, value in CONTAINER_SECURITY_CONTEXT.items() if name != "allowPrivilegeEscalation"
}
c.KubeSpawner.pod_security_context = {"seccompProfile": {"type": "RuntimeDefault"}}

if POD_VOLUMES:
    c.KubeSpawner.volumes = POD_VOLUMES
if SERVER_MOUNTS:
    c.KubeSpawner.volume_mounts = SERVER_MOUNTS  # HomeSpawner adds each user's folders
if extensions["extraContainers"]:
    c.KubeSpawner.extra_containers = [added_container(container) for container in extensions["extraContainers"]]
if spawner["imagePullSecrets"]:  # registry logins the stack keeps in Secrets; the kubelet reads them
    c.KubeSpawner.image_pull_secrets = spawner["imagePullSecrets"]
if extensions["lifecycleHooks"]:
    c.KubeSpawner.lifecycle_hooks = extensions["lifecycleHooks"]  # KubeSpawner does not expand these
if home["type"] == "dynamic":
    c.KubeSpawner.storage_pvc_ensure = True
    c.KubeSpawner.pvc_name_template = "claim-{user_server}"
    c.KubeSpawner.storage_capacity = home["capacity"]
    c.KubeSpawner.storage_access_modes = ["ReadWriteOnce"]
    if home["storageClass"]:
        c.KubeSpawner.storage_class = home["storageClass"]
    # KubeSpawner's own claim deletion stays off: HomeSpawner.delete_forever decides (named servers' only).
    c.KubeSpawner.delete_pvc = False
else:
    c.KubeSpawner.storage_pvc_ensure = False


def profile_option(option: dict) -> dict:
    """A profile's menu as KubeSpawner takes it (names as text, escaped for its HTML form)."""
    choices = {
        key: {
            "display_name": html.escape(choice["displayName"]),
            "default": choice["default"],
            "kubespawner_override": spawner_traits(choice["kubespawnerOverride"]),
        }
        for key, choice in option["choices"].items()
    }
    menu: dict[str, Any] = {"display_name": html.escape(option["displayName"]), "choices": choices}
    other = option["otherImage"]
    if other:
        menu["unlisted_choice"] = {
            "enabled": True,
            "display_name": html.escape(other["displayName"]),
            "validation_regex": other["validationRegex"],
            "validation_message": f"The image must match {other['validationRegex']}",
            "kubespawner_override": {"image": "{value}"},
        }
    return menu


PROFILES = [
    {
        "display_name": html.escape(profile["displayName"]),
        "slug": profile["slug"],
        "description": html.escape(profile["description"]),
        "default": profile["default"],
        "kubespawner_override": spawner_traits(profile["kubespawnerOverride"]),
        **(
            {"profile_options": {k: profile_option(o) for k, o in profile["options"].items()}}
            if profile["options"]
            else {}
        ),
    }
    for profile in spawner["profiles"]
]
"""The spawn form's profiles (KubeSpawner shows names and descriptions as HTML: the stack's are text)."""
PROFILE_ACCESS = {
    profile["slug"]: (set(profile["groups"]), set(profile["users"]))
    for profile in spawner["profiles"]
    if profile["groups"] or profile["users"]
}
"""Who may start each profile that is not everyone's: (groups, users); admins may start every one."""


def profiles_for(spawner: KubeSpawner) -> list[dict]:
    """The profiles a user may see and start: KubeSpawner calls this for the form and again for every
    start, so a slug posted to the API is refused unless it is one of these."""
    user = spawner.user
    groups = {group.name for group in user.groups}
    return [
        profile
        for profile in PROFILES
        if profile["slug"] not in PROFILE_ACCESS
        or user.admin
        or user.name in PROFILE_ACCESS[profile["slug"]][1]
        or groups & PROFILE_ACCESS[profile["slug"]][0]
    ]


if PROFILES:
    c.KubeSpawner.profile_list = profiles_for if PROFILE_ACCESS else PROFILES

# --- Idle culler: a hub-managed service with only the scopes it needs ------------------------------
culler = settings["culler"]
if culler["enabled"]:
    command = [
        sys.executable,
        "-m",
        "jupyterhub_idle_culler",
        f"--timeout={culler['timeout']}",
        f"--cull-every={culler['every']}",
        f"--concurrency={culler['concurrency']}",
    ]
    scopes = ["list:users", "read:users:activity", "read:servers", "delete:servers"]
    if culler["maxAge"]:
        command.append(f"--max-age={culler['maxAge']}")
    if culler["cullUsers"]:
        command.append("--cull-users")
        scopes.append("admin:users")
    if culler["removeNamedServers"]:
        command.append("--remove-named-servers")
    c.JupyterHub.services = [{"name": "idle-culler", "command": command, "api_token": secret("cullerApiToken")}]
    c.JupyterHub.load_roles = [
        {"name": "idle-culler", "description": "Stop idle servers", "scopes": scopes, "services": ["idle-culler"]}
    ]

# --- Escape hatch: hub.extraConfig snippets, in name order ----------------------------------------
for name, code in settings["extraConfig"].items():
    exec(compile(code, f"extraConfig.{name}", "exec"), {"c": c, "settings": settings})
