import GatehouseConfig
import GatehouseMail

extension SMTPTransport {
    /// The transport `mail_transport = smtp` describes.
    public static func make(_ config: Config) throws -> MailTransport {
        SMTPTransport(url: config.text("smtp_url"), tls: TLS(rawValue: try MailService.starttls(config)) ?? .required,
                      username: config.text("smtp_username"), password: MailService.smtpPassword(config))
    }
}
