"""How users log in: one model per authenticator the hub image carries (OAuthenticator 17.4, LDAPAuthenticator
2.0, LTIAuthenticator 1.6), each with its allow-lists, admin groups and the hub groups it reports.

Group names are the provider's own, as JupyterHub will name the hub groups:
- GitHub: `org:team` (the team's slug); GitLab: a group's full path (`physics/phys101`);
- Azure AD / Entra ID, CILogon, generic OAuth: the values of the groups claim;
- LDAP: the keys of `groupDns` (a name for each group's DN);
- LTI 1.3: the user's roles in the launching course (`Instructor`, `TeachingAssistant`, `Learner`...).
"""

import re
from typing import Annotated, Literal, Self
from urllib.parse import urlparse

from pydantic import Field, field_validator, model_validator

from .base import Model, NestedValueError
from .secrets import Secret
from .types import GroupName, GroupRef, Hostname, HttpUrl, fullmatch


def url_destination(url: str) -> tuple[str, int]:
    """The host and TCP port a URL's requests go to."""
    parsed = urlparse(url)
    return parsed.hostname or "", parsed.port or (443 if parsed.scheme == "https" else 80)


class DummyAuthenticator(Model):
    """Any user name logs in (with the shared password if set). For development stacks only."""

    type: Literal["dummy"]
    """`dummy`: no real authentication; refused unless `environment` is `development`."""
    password: Secret | None = None
    """A password every user must type, set with `pulumi config set --secret --path`."""

    def has_allow_rule(self) -> bool:
        """Whether the authenticator itself admits some users."""
        return True

    def manages_groups(self) -> bool:
        """Whether hub groups come from the provider (then `hub.groups` cannot also declare them)."""
        return False

    def destinations(self) -> list[tuple[str, int]]:
        """The hosts and ports the hub connects to when users log in."""
        return []


class ProviderGroups(Model):
    """Group rules of the providers that report groups."""

    allowed_groups: list[GroupRef] = []
    """Groups whose members may log in (besides `allowedUsers`, `adminUsers` and the other allow rules)."""
    admin_groups: list[GroupRef] = []
    """Groups whose members are hub admins. Others lose admin at their next login unless in `adminUsers`."""
    manage_groups: bool = False
    """Hub groups follow the provider's at each login, for profiles, the class folder's staff and group
    folders. Always on when `allowedGroups` or `adminGroups` is set."""

    def manages_groups(self) -> bool:
        return self.manage_groups or self.admits_by_group()

    def admits_by_group(self) -> bool:
        """Whether group membership lets some users in (admins are let in too)."""
        return bool(self.allowed_groups or self.admin_groups)


class OAuthAuthenticator(Model):
    """Settings shared by the OAuth2 authenticators."""

    client_id: str = Field(min_length=1)
    """The OAuth client (application) id."""
    client_secret: Secret
    """The OAuth client secret, set with `pulumi config set --secret --path ...clientSecret`."""
    callback_url: HttpUrl
    """The redirect URL registered with the provider: `https://<hub host>/hub/oauth_callback`."""
    allow_all: bool = False
    """Let every user the provider authenticates log in. Off: only allowed users, organisations,
    groups or domains."""

    @field_validator("callback_url")
    @classmethod
    def _callback_path(cls, url: str) -> str:
        if not urlparse(url).path.endswith("/hub/oauth_callback"):
            raise ValueError(f"{url!r} must end with /hub/oauth_callback, the path JupyterHub serves")
        return url

    def has_allow_rule(self) -> bool:
        """Whether the authenticator itself admits some users (organisations, domains, groups, all)."""
        return self.allow_all or self.admits_by_group()

    def admits_by_group(self) -> bool:
        """Whether group membership lets some users in (providers that report no groups: never)."""
        return False

    def manages_groups(self) -> bool:
        return False

    def provider_urls(self) -> list[str]:
        """The provider's URLs the hub calls."""
        return []

    def destinations(self) -> list[tuple[str, int]]:
        return sorted({url_destination(url) for url in self.provider_urls()})


class GitHubAuthenticator(ProviderGroups, OAuthAuthenticator):
    """Log in with GitHub (or GitHub Enterprise Server). Hub groups are the user's teams, `org:team`."""

    type: Literal["github"]
    """`github`: GitHub OAuth app."""
    url: HttpUrl = "https://github.com"
    """GitHub's address; a GitHub Enterprise Server's (its API is `<url>/api/v3`)."""
    allowed_organizations: list[str] = []
    """GitHub organisations (or `org:team`) whose members may log in."""

    def has_allow_rule(self) -> bool:
        return super().has_allow_rule() or bool(self.allowed_organizations)

    def provider_urls(self) -> list[str]:
        return [self.url]


class GoogleGroupsAccess(Model):
    """How the hub reads users' Google groups: Google's Admin SDK (read-only), as a Workspace
    administrator, through a service account with domain-wide delegation of
    `https://www.googleapis.com/auth/admin.directory.group.readonly`."""

    service_account_key: Secret
    """The service account's JSON key, set with `pulumi config set --secret --path ...serviceAccountKey
    "$(cat key.json)"`."""
    administrator: Annotated[str, fullmatch(r"[A-Za-z0-9._%+-]+", "a user name such as it-admin (without @domain)")]
    """The Workspace administrator the service account acts as, by name without `@domain` (in each of
    `allowedDomains`)."""


class GoogleAuthenticator(ProviderGroups, OAuthAuthenticator):
    """Log in with Google accounts. With `groupsAccess`, hub groups are the user's Google groups, by the
    part of the group's address before `@` (`phys101-tas@uni.edu` is `phys101-tas`)."""

    type: Literal["google"]
    """`google`: Google OAuth client."""
    groups_access: GoogleGroupsAccess | None = None
    """Read users' Google groups (for `allowedGroups`, `adminGroups`, `manageGroups`)."""
    allowed_domains: list[Hostname] = []
    """Google Workspace domains (e.g. `university.edu`) whose users may log in: Google's `hd` claim, the
    Workspace an account belongs to, must be one of them (an address of the domain is not enough). Every
    user of these domains may log in (unless `allowedGroups` narrows it to their members); everyone else is
    refused. With one domain, user names are the
    address without `@domain` (`alice`, and so in `adminUsers`); with several, the whole address."""

    def has_allow_rule(self) -> bool:
        return super().has_allow_rule() or bool(self.allowed_domains)

    @model_validator(mode="after")
    def _groups_need_access(self) -> Self:
        if self.manages_groups() and self.groups_access is None:
            raise NestedValueError(
                ("groupsAccess",),
                "Google tells the hub a user's groups only through the Admin SDK: set groupsAccess "
                "(a service account key and a Workspace administrator), or use hub.groups",
            )
        if self.groups_access is not None and not self.allowed_domains:
            raise NestedValueError(("allowedDomains",), "Google groups are read per Workspace domain: list the domains")
        return self

    def provider_urls(self) -> list[str]:
        return ["https://accounts.google.com", "https://www.googleapis.com", "https://oauth2.googleapis.com"]


class GenericOAuthenticator(ProviderGroups, OAuthAuthenticator):
    """Log in with any OAuth2/OpenID Connect provider (Keycloak, Okta, a university's SSO...)."""

    type: Literal["generic-oauth"]
    """`generic-oauth`: any OAuth2 / OpenID Connect provider."""
    issuer: HttpUrl | None = None
    """An OpenID Connect provider's issuer (`https://sso.uni.edu/realms/campus`): the hub reads the three
    endpoints from its discovery document (`<issuer>/.well-known/openid-configuration`) when it starts.
    Or give `authorizeUrl`, `tokenUrl` and `userdataUrl`."""
    authorize_url: HttpUrl | None = None
    """The provider's authorization endpoint."""
    token_url: HttpUrl | None = None
    """The provider's token endpoint."""
    userdata_url: HttpUrl | None = None
    """The provider's userinfo endpoint."""
    username_claim: str = "preferred_username"
    """The claim of the userinfo answer used as the JupyterHub user name."""
    scopes: list[str] = ["openid", "profile", "email"]
    """OAuth scopes to request."""
    groups_claim: str = "groups"
    """The claim that lists the user's groups (dots reach into nested claims: `realm_access.roles`)."""

    @model_validator(mode="after")
    def _endpoints_one_way(self) -> Self:
        endpoints = {"authorizeUrl": self.authorize_url, "tokenUrl": self.token_url, "userdataUrl": self.userdata_url}
        if self.issuer is not None:
            given = [key for key, url in endpoints.items() if url is not None]
            if given:
                raise NestedValueError((given[0],), "the issuer's discovery document names the endpoints: drop this")
        else:
            missing = [key for key, url in endpoints.items() if url is None]
            if missing:
                raise ValueError(f"set issuer (OpenID Connect discovery), or {', '.join(missing)}")
        return self

    def provider_urls(self) -> list[str]:
        return [url for url in (self.issuer, self.token_url, self.userdata_url) if url is not None]


class AzureAdAuthenticator(ProviderGroups, OAuthAuthenticator):
    """Log in with Microsoft Entra ID (Azure AD). Hub groups are the `groups` claim of the ID token: group
    object IDs, unless the app registration emits names (its token configuration)."""

    type: Literal["azure-ad"]
    """`azure-ad`: an Entra ID app registration."""
    tenant_id: Annotated[
        str,
        fullmatch(r"[A-Za-z0-9][A-Za-z0-9.-]{0,253}", "a tenant ID (a GUID) or a domain such as uni.onmicrosoft.com"),
    ]
    """The directory (tenant) ID, or its domain (`university.onmicrosoft.com`)."""
    login_url: HttpUrl = "https://login.microsoftonline.com"
    """The Entra ID login endpoint; national clouds have their own (`https://login.microsoftonline.us`)."""
    username_claim: str = "preferred_username"
    """The ID token claim used as the user name: `preferred_username` (the sign-in address), `oid`..."""
    groups_claim: str = "groups"
    """The ID token claim that lists the user's groups."""

    def provider_urls(self) -> list[str]:
        return [self.login_url]


class CILogonUsername(Model):
    """How a user name is made from what an identity provider says."""

    claim: str = "email"
    """The userinfo claim that becomes the user name (`email`, `eppn`, `preferred_username`...)."""
    strip_domain: Hostname | None = None
    """Drop `@<this domain>` from the end of the name (`alice@uni.edu` becomes `alice`)."""
    prefix: (
        Annotated[str, fullmatch(r"[a-z0-9-]{1,32}", "a prefix: up to 32 lowercase letters, digits and '-'")] | None
    ) = None
    """Put `<prefix>:` in front of the name (keeps the providers' users apart)."""

    @model_validator(mode="after")
    def _one_action(self) -> Self:
        if self.strip_domain is not None and self.prefix is not None:
            raise ValueError("choose stripDomain or prefix, not both")
        return self


class CILogonIdentityProvider(Model):
    """One identity provider users may choose at CILogon."""

    username: CILogonUsername = CILogonUsername()
    """How this provider's users are named."""
    allow_all: bool = False
    """Let every user of this provider log in."""
    allowed_domains: list[str] = []
    """Domains (of the name claim, e.g. `uni.edu` or `*.uni.edu`) whose users of this provider may log in."""
    default: bool = False
    """Pre-select this provider on CILogon's page."""


class CILogonAuthenticator(ProviderGroups, OAuthAuthenticator):
    """Log in through CILogon with a campus identity (InCommon/eduGAIN) or ORCID, GitHub, Google."""

    type: Literal["cilogon"]
    """`cilogon`: a CILogon OIDC client."""
    host: Annotated[
        str, fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?", "a host name such as cilogon.org")
    ] = "cilogon.org"
    """CILogon's host (`test.cilogon.org` for its test service; `host:port` off 443)."""
    identity_providers: dict[
        Annotated[
            str, fullmatch(r"(https?|urn):\S+", "a CILogon entity ID such as https://idp.uni.edu/idp/shibboleth")
        ],
        CILogonIdentityProvider,
    ] = Field(min_length=1)
    """The only identity providers offered, by their CILogon entity ID (https://cilogon.org/idplist), e.g.
    `https://idp.uni.edu/idp/shibboleth`."""
    groups_claim: str = "isMemberOf"
    """The userinfo claim that lists the user's groups (CILogon's `isMemberOf`, from COmanage or the IdP)."""

    def has_allow_rule(self) -> bool:
        return super().has_allow_rule() or any(
            idp.allow_all or idp.allowed_domains for idp in self.identity_providers.values()
        )

    @model_validator(mode="after")
    def _one_default(self) -> Self:
        defaults = [entity for entity, idp in self.identity_providers.items() if idp.default]
        if len(defaults) > 1:
            raise NestedValueError(
                ("identityProviders", defaults[1], "default"), "only one provider can be the default"
            )
        return self

    def provider_urls(self) -> list[str]:
        return [f"https://{self.host}"]


class GitLabAuthenticator(ProviderGroups, OAuthAuthenticator):
    """Log in with GitLab.com or a GitLab server. Hub groups are the full paths of the user's groups."""

    type: Literal["gitlab"]
    """`gitlab`: a GitLab OAuth application (scopes `read_user read_api`)."""
    url: HttpUrl = "https://gitlab.com"
    """The GitLab server."""
    allowed_project_ids: list[int] = []
    """Projects (by ID) whose members (Developer or above) may log in."""

    def has_allow_rule(self) -> bool:
        return super().has_allow_rule() or bool(self.allowed_project_ids)

    def provider_urls(self) -> list[str]:
        return [self.url]


class LdapLookup(Model):
    """Find each user's entry with a search, as a service account."""

    search_base: str = Field(min_length=1)
    """Where users are, e.g. `ou=people,dc=uni,dc=edu`."""
    user_attribute: Annotated[str, fullmatch(r"[A-Za-z][A-Za-z0-9-]*", "an LDAP attribute name such as uid")] = "uid"
    """The attribute holding what users type as their name: `uid`, or `sAMAccountName` on Active Directory."""
    bind_dn: str = Field(min_length=1)
    """The service account that searches, e.g. `cn=jupyterhub,ou=services,dc=uni,dc=edu`."""
    bind_password: Secret
    """The service account's password, set with `pulumi config set --secret --path ...bindPassword`."""


class LdapAuthenticator(Model):
    """Log in with a campus directory: LDAP or Active Directory (user name and password on the hub's page)."""

    type: Literal["ldap"]
    """`ldap`: an LDAP or Active Directory server."""
    server: str = Field(min_length=1)
    """The directory's host name or IP address."""
    port: int | None = Field(default=None, ge=1, le=65535)
    """Its port. Empty: 636 with `tls: ldaps`, 389 otherwise."""
    tls: Literal["start-tls", "ldaps", "none"] = "start-tls"
    """`start-tls` (upgrade before sending the password), `ldaps` (TLS from the start) or `none` (passwords
    in clear: development stacks only). The server's certificate is always verified."""
    ca_certificate: str | None = None
    """The PEM certificate of the CA that signed the directory's certificate, when it is not a public one."""
    user_dn_templates: list[str] = []
    """Bind directly as the user: DNs with `{username}`, e.g. `uid={username},ou=people,dc=uni,dc=edu`. The
    first that binds wins. Or use `lookup`."""
    lookup: LdapLookup | None = None
    """Find the user's DN with a search first (Active Directory, nested OUs)."""
    group_dns: dict[GroupName, str] = {}
    """The directory groups that become hub groups, by hub group name: `{ta: cn=phys101-ta,ou=groups,...}`.
    Membership is a `member`, `uniqueMember` (the user's DN) or `memberUid` (the user name) value."""
    allowed_groups: list[GroupName] = []
    """Hub groups (keys of `groupDns`) whose members may log in."""
    admin_groups: list[GroupName] = []
    """Hub groups (keys of `groupDns`) whose members are hub admins."""
    allow_all: bool = False
    """Let everyone with a directory account log in."""

    @field_validator("user_dn_templates")
    @classmethod
    def _templates_name_the_user(cls, templates: list[str]) -> list[str]:
        for template in templates:
            if "{username}" not in template:
                raise ValueError(f"{template!r} must contain {{username}}")
        return templates

    @field_validator("ca_certificate")
    @classmethod
    def _pem(cls, pem: str | None) -> str | None:
        if pem is not None and not re.search(r"-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----", pem):
            raise ValueError("expected a PEM certificate (-----BEGIN CERTIFICATE----- ...)")
        return pem

    @model_validator(mode="after")
    def _finds_users(self) -> Self:
        if bool(self.user_dn_templates) == (self.lookup is not None):
            raise ValueError("set exactly one of userDnTemplates and lookup: how the user's DN is found")
        return self

    @model_validator(mode="after")
    def _one_name_per_group(self) -> Self:
        named: dict[str, str] = {}
        for name, dn in self.group_dns.items():
            if dn.lower() in named:
                raise NestedValueError(("groupDns", name), f"{dn!r} is already the group {named[dn.lower()]!r}")
            named[dn.lower()] = name
        return self

    @model_validator(mode="after")
    def _groups_are_declared(self) -> Self:
        for key in ("allowed_groups", "admin_groups"):
            for index, group in enumerate(getattr(self, key)):
                if group not in self.group_dns:
                    alias = "allowedGroups" if key == "allowed_groups" else "adminGroups"
                    raise NestedValueError(
                        (alias, index), f"{group!r} is not a key of groupDns (the groups whose DNs the hub knows)"
                    )
        return self

    @property
    def effective_port(self) -> int:
        """The port the hub connects to."""
        return self.port or (636 if self.tls == "ldaps" else 389)

    def has_allow_rule(self) -> bool:
        return self.allow_all or bool(self.allowed_groups) or bool(self.admin_groups)

    def manages_groups(self) -> bool:
        return bool(self.group_dns)

    def destinations(self) -> list[tuple[str, int]]:
        return [(self.server, self.effective_port)]


LtiRole = Annotated[
    str, fullmatch(r"[A-Za-z][A-Za-z0-9]*", "a course role's short name such as Instructor, TeachingAssistant, Learner")
]


class Lti13Authenticator(Model):
    """Launch from a learning platform (Canvas, Moodle, Blackboard, Brightspace) with LTI 1.3: students
    open the hub from the course, signed in by the platform. Hub groups are the user's roles in the
    launching course (`Instructor`, `TeachingAssistant`, `Learner`, `ContentDeveloper`, `Mentor`...)."""

    type: Literal["lti13"]
    """`lti13`: an LTI 1.3 tool registered on the platform."""
    issuer: HttpUrl
    """The platform's issuer (`https://canvas.instructure.com`, a Moodle's address)."""
    client_ids: list[str] = Field(min_length=1)
    """The client IDs the platform gave the tool when it was registered."""
    authorize_url: HttpUrl
    """The platform's OIDC authorization endpoint (Canvas: `https://sso.canvaslms.com/api/lti/authorize_redirect`)."""
    jwks_url: HttpUrl
    """The platform's public keys (Canvas: `https://sso.canvaslms.com/api/lti/security/jwks`)."""
    username_claim: str = "email"
    """The launch claim used as the user name: `email`, `sub` (the platform's opaque id, for anonymous
    launches), or `custom_<name>` for a custom parameter the tool placement sends."""
    allowed_courses: list[str] = []
    """Courses (LTI context IDs) whose launches are let in; other courses' users are refused."""
    allowed_groups: list[LtiRole] = []
    """Course roles whose users may log in, e.g. `[Instructor, TeachingAssistant]`."""
    admin_groups: list[LtiRole] = []
    """Course roles whose users are hub admins, e.g. `[Instructor]`."""
    allow_all: bool = False
    """Let everyone the platform launches log in (with `allowedCourses`: everyone of those courses)."""

    def has_allow_rule(self) -> bool:
        return self.allow_all or bool(self.allowed_groups) or bool(self.admin_groups)

    def manages_groups(self) -> bool:
        return True

    def destinations(self) -> list[tuple[str, int]]:
        return [url_destination(self.jwks_url)]


Authenticator = Annotated[
    DummyAuthenticator
    | GitHubAuthenticator
    | GoogleAuthenticator
    | GenericOAuthenticator
    | AzureAdAuthenticator
    | CILogonAuthenticator
    | GitLabAuthenticator
    | LdapAuthenticator
    | Lti13Authenticator,
    Field(discriminator="type"),
]
