#if canImport(Glibc)
import Glibc
#endif
import GatehouseCrypto
import Logging
import GatehouseSystem
import GatehouseWebAuthn

/// The limits the account core enforces: plain values (the wiring reads
/// them from the configuration).
package struct AccountPolicy: Sendable, Equatable {
    package var sessionIdle: Int
    package var sessionAbsolute: Int
    /// A session's last-seen time is rewritten at most this often (once a
    /// minute, or a tenth of a very short idle timeout), so a busy client
    /// does not pay a file rename on every request.
    package var touchInterval: Int { max(1, min(60, sessionIdle / 10)) }
    package var throttle: ThrottlePolicy
    package var passwordMin: Int
    package var passwordMax: Int
    package var codes: OneTimeCodePolicy
    /// When > 0, change-password needs a session that verified a code within
    /// this many seconds.
    package var stepUpWindow: Int
    /// Enrolling or removing a factor, new recovery codes, a new password
    /// and ending other sessions need the password (and second factor)
    /// proved in the session this recently (`reauth_window`).
    package var reauthWindow: Int
    /// How long the second step of a sign-in may take, and how many wrong
    /// codes it takes before it ends.
    package var secondStepLifetime: Int = 300
    package var secondStepTries: Int = 5
    /// How long the undo code mailed after a first enrolment works.
    package var secondFactorUndoWindow: Int = 7 * 86_400
    /// How long the old address can undo a change of address.
    package var emailChangeUndoWindow: Int = 7 * 86_400
    /// Self-service sign-up, and how long an invitation to it lasts.
    package var signup = SignupMode.closed
    package var invitationLifetime: Int = 7 * 86_400
    /// What a new password the breached-password corpus has (when one was
    /// imported) meets: refusal, a warning in the answer, or nothing.
    package var breachedPasswords = BreachResponse.refuse
    /// A sign-in with a password the corpus has asks its owner to change it.
    package var promptBreachedAtSignIn = false
    /// How long an account asked to be deleted can be restored.
    package var deletionGrace: Int = 7 * 86_400
    /// Mail the owner about a sign-in from a device new to the account,
    /// naming `notMePage` (where its code ends that session).
    package var newDeviceNotice = true
    package var notMePage = "/account/sessions/not-me"
    /// Where a deleted account's restore code is entered, for its mails.
    package var restorePage = "/account/delete-account/restore"
    /// Passkeys: the site as a WebAuthn relying party (nil: no passkeys),
    /// how long a ceremony's challenge lasts, how many an account may have.
    package var relyingParty: RelyingParty?
    package var passkeyChallengeLifetime: Int = 300
    package var maxPasskeys: Int = 10
    /// The site's name, for an authenticator to show.
    package var siteName: String = "Gatehouse"
    /// IPv6 clients are counted per network of this many leading bits.
    package var ipv6PrefixLength: Int
    /// Per-client budgets also count by these wider networks, which may
    /// spend `wideNetworkFactor` times a client's budget.
    package var ipv4WidePrefixLength: Int
    package var ipv6WidePrefixLength: Int
    package var wideNetworkFactor: Int

    package init(sessionIdle: Int = 1800, sessionAbsolute: Int = 43_200, throttle: ThrottlePolicy = ThrottlePolicy(),
                passwordMin: Int = 8, passwordMax: Int = 128, codes: OneTimeCodePolicy = OneTimeCodePolicy(),
                stepUpWindow: Int = 0, reauthWindow: Int = 600, ipv6PrefixLength: Int = 64, ipv4WidePrefixLength: Int = 24,
                ipv6WidePrefixLength: Int = 48, wideNetworkFactor: Int = 8) {
        self.ipv4WidePrefixLength = ipv4WidePrefixLength
        self.ipv6WidePrefixLength = ipv6WidePrefixLength
        self.wideNetworkFactor = wideNetworkFactor
        self.sessionIdle = sessionIdle
        self.sessionAbsolute = sessionAbsolute
        self.throttle = throttle
        self.passwordMin = passwordMin
        self.passwordMax = passwordMax
        self.codes = codes
        self.stepUpWindow = stepUpWindow
        self.reauthWindow = reauthWindow
        self.ipv6PrefixLength = ipv6PrefixLength
    }

}

/// The account core: passwords, sessions, throttling. Knows nothing of HTTP
/// or FastCGI; clock, randomness, storage and hashing are injected.
package final class Accounts: Sendable {
    // The collaborators are the core's own: what the CLI and the endpoints
    // need of them is named as operations below.
    let store: AccountStore
    let hasher: PasswordHasher
    let keys: KeyedHasher
    let clock: Clock
    let random: RandomSource
    package let policy: AccountPolicy
    let audit: AuditTrail
    let logger: Logger
    let mail: MailSink
    let blocklists: [PasswordBlocklist]
    let breached: BreachedPasswords?
    let dummyHash: String
    /// How long a verification at the current parameters takes here.
    let verificationCost = VerificationCost()

    package init(store: AccountStore, hasher: PasswordHasher, keys: KeyedHasher, clock: Clock, random: RandomSource,
                policy: AccountPolicy, audit: AuditTrail, logger: Logger, dummyHash: String,
                mail: MailSink = NoMail(), blocklists: [PasswordBlocklist] = [], breached: BreachedPasswords? = nil) {
        self.breached = breached
        self.mail = mail
        self.blocklists = blocklists
        self.store = store
        self.hasher = hasher
        self.keys = keys
        self.clock = clock
        self.random = random
        self.policy = policy
        self.audit = audit
        self.logger = logger
        self.dummyHash = dummyHash
    }

    func sessionID(forToken token: String) -> String {
        keys.hex(token, domain: "session")
    }

    /// The time as the core sees it (its injected clock).
    package func now() -> Int64 { clock.now() }

    /// Every account, for an administrator's listing.
    package func allUsers() throws -> [UserRecord] { try store.allUsers() }

    /// Whether the account's stored hash is not at the current parameters
    /// (imported, or older Argon2id): it is replaced at the next sign-in.
    package func hashIsStale(_ user: UserRecord) -> Bool { hasher.isStale(user.passwordHash) }

    /// A keyed proof of `message` (a keyed hash with the server key, in its
    /// own domain): for a link that only Gatehouse can have made.
    package func proof(of message: String, domain: String) -> String {
        keys.hex(message, domain: domain, length: 16)
    }

    /// A CSRF token bound to the session: derived, so nothing more is stored,
    /// and useless without the session it belongs to.
    package func csrfToken(forSessionToken token: String) -> String {
        Base64.url(keys.hash(token, domain: "csrf", length: 24))
    }
}

/// The time one password verification at the current parameters takes in
/// this process, as last measured (a signed-in or refused guess measures
/// it). Shared by the threads of a process; responders have one.
final class VerificationCost: @unchecked Sendable {
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var latest: Int64?

    init() { pthread_mutex_init(lock, nil) }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    var estimate: Int64? {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return latest
    }

    func record(_ nanoseconds: Int64) {
        pthread_mutex_lock(lock)
        latest = nanoseconds
        pthread_mutex_unlock(lock)
    }
}
