//! Who may do what: roles, the actor behind a change, bearer tokens for scripts, and staff
//! accounts that sign in from the page ([`staff`]).
//!
//! A token is 160 random bits shown once when it is made (`visitmatch token create --role R`
//! or `POST /v1/tokens`); the catalog keeps only its SHA-256, so a copied database does not
//! give away working tokens. Because the secret is random rather than chosen by a person, an
//! unsalted hash is enough: there is no dictionary to try.
//!
//! Roles are ordered: an admin may do whatever an approver may, an approver whatever an officer
//! may (and signs off trip applications), an officer whatever a viewer may.
//! Without a token or a session a caller is anonymous and gets the public reads only.

pub mod staff;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::domain::{Contact, ExchangeBase};

/// What a token allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Public reads, identified (the same data an anonymous caller sees).
    Viewer,
    /// Reads including internal fields and restricted bases; visit records; recording exposures;
    /// filing trip applications.
    Officer,
    /// Everything an officer may do, plus signing off trip applications (审签) other than
    /// their own, whichever credential either step used.
    Approver,
    /// Everything an officer may do, plus base writes, tokens and the audit log.
    Admin,
}

impl Role {
    /// The snake_case code stored in the catalog.
    pub fn code(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Officer => "officer",
            Role::Approver => "approver",
            Role::Admin => "admin",
        }
    }

    /// The role with this code.
    pub fn from_code(code: &str) -> Option<Role> {
        [Role::Viewer, Role::Officer, Role::Approver, Role::Admin].into_iter().find(|role| role.code() == code)
    }
}

/// The changes to the base library and the role each needs: the one place this is decided.
/// Officers keep the library (add, edit, import, review); only an admin removes a base or makes
/// a file the whole library.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LibraryChange {
    /// Adding a base or editing one (`POST`, `PUT`, `PATCH`).
    AddOrEdit,
    /// Importing a file that adds and updates bases.
    Import,
    /// Importing a file that becomes the whole library (bases not in it are removed).
    ReplaceAll,
    /// Removing a base.
    Delete,
}

impl LibraryChange {
    /// The least role that may make this change.
    pub fn needs(self) -> Role {
        match self {
            LibraryChange::AddOrEdit | LibraryChange::Import => Role::Officer,
            LibraryChange::ReplaceAll | LibraryChange::Delete => Role::Admin,
        }
    }
}

/// What a caller may see of the library. This is the one visibility rule: every read path
/// (search, a base's page, matching, planning, evaluation uploads, outbound links, counts)
/// asks it, so that below officer a hidden base — restricted, or not active in the library (a
/// candidate, rejected or suspended; see [`ExchangeBase::is_public`]) — is indistinguishable
/// from one that does not exist, and contacts are never shown.
///
/// Seeing a hidden base never makes it eligible: the hard rules still keep it out of every
/// suggestion and plan, whoever asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Visibility {
    /// Anonymous callers and viewers: public bases, no contacts.
    #[default]
    Public,
    /// Officers, approvers and admins: every base, with contacts.
    Internal,
}

impl Visibility {
    /// What a caller with `role` (or none) may see.
    pub fn of(role: Option<Role>) -> Visibility {
        match role {
            Some(role) if role >= Role::Officer => Visibility::Internal,
            _ => Visibility::Public,
        }
    }

    /// Whether a base exists for this caller, given whether it is `hidden` (not public).
    pub fn sees(self, hidden: bool) -> bool {
        !hidden || self == Visibility::Internal
    }

    /// Whether hidden bases exist for this caller at all.
    pub fn sees_hidden(self) -> bool {
        self == Visibility::Internal
    }

    /// Whether contact details are shown.
    pub fn sees_contacts(self) -> bool {
        self == Visibility::Internal
    }

    /// The base as this caller may see it: `None` when it does not exist for them, otherwise
    /// the base, with its contact details and screening trail only for officers and admins.
    pub fn show(self, mut base: ExchangeBase) -> Option<ExchangeBase> {
        if !self.sees(!base.is_public()) {
            return None;
        }
        if !self.sees_contacts() {
            // Contacts and the screening trail (who submitted it, what review noted) are the
            // office's own.
            base.contact = Contact::default();
            base.submitted_by = None;
            base.review_note = None;
        }
        Some(base)
    }
}

/// Whoever makes a change: recorded in the audit log next to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// Who holds the credential, unique among callers: the token's id (`tok_…`; two tokens
    /// may share a name), or the name itself for the command line and the system.
    pub id: String,
    /// A readable name: the username of a signed-in person, `{username} via token:{name}` for a
    /// token issued to one, `token:{name}` for a script's token, `cli:{user}` for the command line.
    pub name: String,
    /// The role the change was made with.
    pub role: Role,
    /// The staff account behind the credential: a signed-in person, or the account a token was
    /// issued to. `None` for a script's token, the command line and the system. Steps that a
    /// person answers for (filing a trip, signing it off) ask for it, and "their own" compares
    /// it, so one person holding two credentials is still one person.
    pub person: Option<Person>,
}

/// A staff account, as the actor behind a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// The account id (`usr_…`).
    pub id: String,
    /// The username the person signs in with.
    pub username: String,
}

impl Actor {
    /// Whether this is the local command line (the server's own operator).
    pub fn is_command_line(&self) -> bool {
        self.id.starts_with("cli:")
    }

    /// The local command line, acting as an admin of its own data directory.
    pub fn command_line() -> Actor {
        let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into());
        let name = format!("cli:{user}");
        Actor { id: name.clone(), name, role: Role::Admin, person: None }
    }
}

/// Prefix of every token, so a leaked one is recognisable in logs and by secret scanners.
pub const TOKEN_PREFIX: &str = "vm_";

/// A new random token secret (`vm_` and 40 hex digits).
pub fn new_token_secret() -> String {
    format!("{TOKEN_PREFIX}{}", hex(&random_bytes::<20>()))
}

/// A new token id: short, random and safe to show (it is not the secret).
pub fn new_token_id() -> String {
    format!("tok_{}", hex(&random_bytes::<6>()))
}

/// The stored form of a token secret.
pub fn hash_token(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// `N` random bytes as hex: an id nobody can guess (jobs, sessions).
pub fn random_hex<const N: usize>() -> String {
    hex(&random_bytes::<N>())
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the operating system provides random bytes");
    bytes
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_random_prefixed_and_hash_to_their_own_digest() {
        let (a, b) = (new_token_secret(), new_token_secret());
        assert_ne!(a, b);
        assert!(a.starts_with(TOKEN_PREFIX) && a.len() == TOKEN_PREFIX.len() + 40);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_ne!(hash_token(&a), hash_token(&b));
        assert_eq!(hash_token(&a).len(), 64);
    }

    #[test]
    fn only_officers_and_above_see_restricted_bases_and_contacts() {
        for (role, internal) in [(None, false), (Some(Role::Viewer), false), (Some(Role::Officer), true), (Some(Role::Approver), true), (Some(Role::Admin), true)] {
            let visibility = Visibility::of(role);
            assert!(visibility.sees(false), "public bases are seen by {role:?}");
            assert_eq!(visibility.sees(true), internal, "hidden bases for {role:?}");
            assert_eq!(visibility.sees_contacts(), internal, "contacts for {role:?}");
        }
        assert_eq!(Visibility::default(), Visibility::Public, "the safe default");
    }

    #[test]
    fn roles_are_ordered_and_round_trip_their_codes() {
        assert!(Role::Viewer < Role::Officer && Role::Officer < Role::Approver && Role::Approver < Role::Admin);
        for role in [Role::Viewer, Role::Officer, Role::Approver, Role::Admin] {
            assert_eq!(Role::from_code(role.code()), Some(role));
        }
        assert_eq!(Role::from_code("root"), None);
    }
}
