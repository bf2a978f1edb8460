"""settings.json's `authenticator`, written from the stack's authenticator (authenticator_contract.py)."""

from typing import assert_never

from ..config.authenticators import (
    Authenticator,
    AzureAdAuthenticator,
    CILogonAuthenticator,
    DummyAuthenticator,
    GenericOAuthenticator,
    GitHubAuthenticator,
    GitLabAuthenticator,
    GoogleAuthenticator,
    LdapAuthenticator,
    Lti13Authenticator,
    ProviderGroups,
)
from .authenticator_contract import (
    AuthenticatorSettings,
    AzureAdAuthenticatorSettings,
    CILogonAuthenticatorSettings,
    CILogonIdentityProviderSettings,
    DummyAuthenticatorSettings,
    GenericOAuthenticatorSettings,
    GitHubAuthenticatorSettings,
    GitLabAuthenticatorSettings,
    GoogleAuthenticatorSettings,
    GoogleGroupsAccessSettings,
    LdapAuthenticatorSettings,
    LdapLookupSettings,
    Lti13AuthenticatorSettings,
)


def _group_rules(auth: ProviderGroups) -> dict:
    return {
        "manage_groups": auth.manages_groups(),
        "allowed_groups": list(auth.allowed_groups),
        "admin_groups": list(auth.admin_groups),
    }


def authenticator_settings(auth: Authenticator) -> AuthenticatorSettings:
    """What the hub needs to know of its login provider."""
    if isinstance(auth, DummyAuthenticator):
        return DummyAuthenticatorSettings()
    if isinstance(auth, LdapAuthenticator):
        lookup = auth.lookup
        return LdapAuthenticatorSettings(
            server=auth.server,
            port=auth.effective_port,
            tls=auth.tls,
            ca_certificate=auth.ca_certificate,
            user_dn_templates=list(auth.user_dn_templates),
            lookup=None
            if lookup is None
            else LdapLookupSettings(
                search_base=lookup.search_base, user_attribute=lookup.user_attribute, bind_dn=lookup.bind_dn
            ),
            group_dns=dict(sorted(auth.group_dns.items())),
            manage_groups=auth.manages_groups(),
            allowed_groups=list(auth.allowed_groups),
            admin_groups=list(auth.admin_groups),
            allow_all=auth.allow_all,
        )
    if isinstance(auth, Lti13Authenticator):
        return Lti13AuthenticatorSettings(
            issuer=auth.issuer,
            client_ids=list(auth.client_ids),
            authorize_url=auth.authorize_url,
            jwks_url=auth.jwks_url,
            username_claim=auth.username_claim,
            allowed_courses=list(auth.allowed_courses),
            manage_groups=True,
            allowed_groups=list(auth.allowed_groups),
            admin_groups=list(auth.admin_groups),
            allow_all=auth.allow_all,
        )
    oauth = {"client_id": auth.client_id, "callback_url": str(auth.callback_url), "allow_all": auth.allow_all}
    groups = _group_rules(auth)
    if isinstance(auth, GoogleAuthenticator):
        # OAuthenticator's hosted_domain only refuses other Workspaces; it admits nobody by itself. With
        # domains listed, every account Google places in one of them is admitted (and the rest refused),
        # unless allowed groups narrow it to their members.
        oauth["allow_all"] = auth.allow_all or (bool(auth.allowed_domains) and not auth.allowed_groups)
        access = auth.groups_access
        return GoogleAuthenticatorSettings(
            **oauth,
            **groups,
            allowed_domains=list(auth.allowed_domains),
            groups_access=None if access is None else GoogleGroupsAccessSettings(administrator=access.administrator),
        )
    if isinstance(auth, GitHubAuthenticator):
        return GitHubAuthenticatorSettings(
            **oauth, **groups, url=auth.url.rstrip("/"), allowed_organizations=list(auth.allowed_organizations)
        )
    if isinstance(auth, GenericOAuthenticator):
        return GenericOAuthenticatorSettings(
            **oauth,
            **groups,
            issuer=auth.issuer,
            authorize_url=auth.authorize_url,
            token_url=auth.token_url,
            userdata_url=auth.userdata_url,
            username_claim=auth.username_claim,
            scopes=list(auth.scopes),
            groups_claim=auth.groups_claim,
        )
    if isinstance(auth, AzureAdAuthenticator):
        return AzureAdAuthenticatorSettings(
            **oauth,
            **groups,
            tenant_id=auth.tenant_id,
            login_url=auth.login_url.rstrip("/"),
            username_claim=auth.username_claim,
            groups_claim=auth.groups_claim,
        )
    if isinstance(auth, CILogonAuthenticator):
        return CILogonAuthenticatorSettings(
            **oauth,
            **groups,
            host=auth.host,
            identity_providers={
                entity: CILogonIdentityProviderSettings(
                    username_claim=idp.username.claim,
                    strip_domain=idp.username.strip_domain,
                    prefix=idp.username.prefix,
                    allow_all=idp.allow_all,
                    allowed_domains=list(idp.allowed_domains),
                    default=idp.default,
                )
                for entity, idp in sorted(auth.identity_providers.items())
            },
            groups_claim=auth.groups_claim,
        )
    if isinstance(auth, GitLabAuthenticator):
        return GitLabAuthenticatorSettings(
            **oauth, **groups, url=auth.url.rstrip("/"), allowed_project_ids=list(auth.allowed_project_ids)
        )
    assert_never(auth)
