

/// The OTP rows of docs/security.md.
package struct OneTimeCodePolicy: Sendable, Equatable {
    package var length = 6
    package var lifetime = 600
    package var maxTries = 5
    /// Wrong codes per account, purpose and client network per hour.
    package var maxFailuresPerHour = 10
    /// Wrong codes per client network per hour, across every account.
    package var verifyFailuresPerHourPerClient = 30
    package var cooldown = 60
    package var perAddressPerHour = 5
    package var perIPPerHour = 20
    package var sitePerHour = 1000
    /// Past `sitePerHour`: false (the default) records an alarm and goes on,
    /// true refuses further codes to clients without a session. Anyone can
    /// spend a site-wide budget, so by default it stops nobody.
    package var siteCapRefuses = false
    package var unknownAddress404 = false
    package var loginEnabled = false
    package var resetGrantLifetime = 600

    package init() {}

}
