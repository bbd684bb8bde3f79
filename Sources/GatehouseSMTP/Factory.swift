import GatehouseConfig
import GatehouseMail

extension SMTPTransport {
    /// The transport `mail_transport = smtp` describes.
    public static func make(_ config: Config) throws -> MailTransport {
        SMTPTransport(url: config.smtpUrl, tls: TLS(rawValue: try MailService.starttls(config)) ?? .required,
                      username: config.smtpUsername, password: MailService.smtpPassword(config))
    }
}
