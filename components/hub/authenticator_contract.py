"""settings.json's `authenticator`: what jupyterhub_config.py needs to set up the login provider. Secrets
(client secrets, the LDAP service account's password) are in the hub Secret, named by `secrets`."""

from typing import Annotated, Literal

from pydantic import Field

from .contract import Contract


class DummyAuthenticatorSettings(Contract):
    """Any username, with the shared password if the hub Secret has one (development only)."""

    type: Literal["dummy"] = "dummy"
    """Which authenticator this is."""


class GroupRules(Contract):
    """Groups the provider reports, and what they grant."""

    manage_groups: bool
    """Whether hub groups follow the provider's at each login."""
    allowed_groups: list[str]
    """Groups whose members are allowed in."""
    admin_groups: list[str]
    """Groups whose members are admins (others are not, unless in adminUsers)."""


class OAuthSettings(Contract):
    """What every OAuth provider needs; the client secret is the hub Secret's `secrets.oauthClientSecret`."""

    client_id: str
    """The OAuth client ID."""
    callback_url: str
    """The hub's OAuth callback URL, as registered with the provider."""
    allow_all: bool
    """Whether every user the provider authenticates (and the authenticator does not block, e.g. an
    account outside Google's `allowedDomains`) is allowed in."""


class GitHubAuthenticatorSettings(GroupRules, OAuthSettings):
    """GitHub accounts; hub groups are teams (`org:team`)."""

    type: Literal["github"] = "github"
    """Which authenticator this is."""
    url: str
    """GitHub's address (a GitHub Enterprise Server's)."""
    allowed_organizations: list[str]
    """GitHub organizations (or `org:team`) whose members are allowed in."""


class GoogleGroupsAccessSettings(Contract):
    """How the hub reads Google groups; the service account's key is the hub Secret's
    `secrets.googleServiceAccountKey`."""

    administrator: str
    """The Workspace administrator (name without @domain) the service account acts as."""


class GoogleAuthenticatorSettings(GroupRules, OAuthSettings):
    """Google accounts; hub groups are Google groups (the address before @) when `groupsAccess` is set."""

    type: Literal["google"] = "google"
    """Which authenticator this is."""
    allowed_domains: list[str]
    """Google Workspace domains (the `hd` claim): accounts of other Workspaces are blocked."""
    groups_access: GoogleGroupsAccessSettings | None
    """How Google groups are read; null: they are not."""


class GenericOAuthenticatorSettings(GroupRules, OAuthSettings):
    """Any OpenID Connect or OAuth 2 provider (Keycloak, Okta, a university's SSO)."""

    type: Literal["generic-oauth"] = "generic-oauth"
    """Which authenticator this is."""
    issuer: str | None
    """The OpenID Connect issuer whose discovery document names the endpoints; null: they are given."""
    authorize_url: str | None
    """The provider's authorization endpoint (null: from discovery)."""
    token_url: str | None
    """The provider's token endpoint (null: from discovery)."""
    userdata_url: str | None
    """The provider's user-info endpoint (null: from discovery)."""
    username_claim: str
    """The claim that becomes the JupyterHub username."""
    scopes: list[str]
    """The scopes requested."""
    groups_claim: str
    """The claim listing the user's groups."""


class AzureAdAuthenticatorSettings(GroupRules, OAuthSettings):
    """Microsoft Entra ID (Azure AD)."""

    type: Literal["azure-ad"] = "azure-ad"
    """Which authenticator this is."""
    tenant_id: str
    """The directory (tenant)."""
    login_url: str
    """The Entra ID login endpoint."""
    username_claim: str
    """The ID token claim that becomes the username."""
    groups_claim: str
    """The ID token claim listing the user's groups."""


class CILogonIdentityProviderSettings(Contract):
    """One identity provider offered at CILogon."""

    username_claim: str
    """The userinfo claim that becomes the username."""
    strip_domain: str | None
    """The domain dropped from the end of the name."""
    prefix: str | None
    """The prefix put in front of the name (`prefix:name`)."""
    allow_all: bool
    """Whether every user of this provider is allowed in."""
    allowed_domains: list[str]
    """Domains whose users of this provider are allowed in."""
    default: bool
    """Whether CILogon pre-selects this provider."""


class CILogonAuthenticatorSettings(GroupRules, OAuthSettings):
    """CILogon."""

    type: Literal["cilogon"] = "cilogon"
    """Which authenticator this is."""
    host: str
    """CILogon's host."""
    identity_providers: dict[str, CILogonIdentityProviderSettings]
    """The identity providers offered, by entity ID."""
    groups_claim: str
    """The userinfo claim listing the user's groups."""


class GitLabAuthenticatorSettings(GroupRules, OAuthSettings):
    """GitLab; hub groups are the full paths of the user's groups."""

    type: Literal["gitlab"] = "gitlab"
    """Which authenticator this is."""
    url: str
    """The GitLab server."""
    allowed_project_ids: list[int]
    """Projects whose members are allowed in."""


class LdapLookupSettings(Contract):
    """The search that finds a user's DN; the service account's password is `secrets.ldapBindPassword`."""

    search_base: str
    """Where users are."""
    user_attribute: str
    """The attribute holding the name users type."""
    bind_dn: str
    """The service account that searches."""


class LdapAuthenticatorSettings(GroupRules):
    """An LDAP or Active Directory server. `allowedGroups` and `adminGroups` are keys of `groupDns`."""

    type: Literal["ldap"] = "ldap"
    """Which authenticator this is."""
    server: str
    """The directory's host name or address."""
    port: int
    """Its port."""
    tls: Literal["start-tls", "ldaps", "none"]
    """How the connection is encrypted."""
    ca_certificate: str | None
    """The PEM certificate of the CA that signed the directory's certificate; null: the system's CAs."""
    user_dn_templates: list[str]
    """DNs to bind as, with `{username}`; empty: `lookup`."""
    lookup: LdapLookupSettings | None
    """The search that finds the user's DN; null: `userDnTemplates`."""
    group_dns: dict[str, str]
    """The DN of each hub group the directory decides."""
    allow_all: bool
    """Whether everyone with a directory account is allowed in."""


class Lti13AuthenticatorSettings(GroupRules):
    """LTI 1.3 launches from a learning platform. Groups are course roles (`Instructor`, `Learner`...)."""

    type: Literal["lti13"] = "lti13"
    """Which authenticator this is."""
    issuer: str
    """The platform's issuer."""
    client_ids: list[str]
    """The tool's client IDs on the platform."""
    authorize_url: str
    """The platform's OIDC authorization endpoint."""
    jwks_url: str
    """The platform's public keys."""
    username_claim: str
    """The launch claim that becomes the username (`custom_<name>`: a custom parameter)."""
    allowed_courses: list[str]
    """Course (context) IDs whose launches are let in; empty: every course."""
    allow_all: bool
    """Whether everyone the platform launches (from an allowed course) is allowed in."""


AuthenticatorSettings = Annotated[
    DummyAuthenticatorSettings
    | GitHubAuthenticatorSettings
    | GoogleAuthenticatorSettings
    | GenericOAuthenticatorSettings
    | AzureAdAuthenticatorSettings
    | CILogonAuthenticatorSettings
    | GitLabAuthenticatorSettings
    | LdapAuthenticatorSettings
    | Lti13AuthenticatorSettings,
    Field(discriminator="type"),
]
