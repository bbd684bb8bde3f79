import GatehouseConfig
import GatehouseMail

extension SMTPTransport {
    /// The transport `mail_transport = smtp` describes.
    public static func make(_ config: Config) -> MailTransport {
        SMTPTransport(url: config.text("smtp_url"), tls: TLS(rawValue: config.text("smtp_starttls")) ?? .optional,
                      username: config.text("smtp_username"), password: MailService.smtpPassword(config))
    }
}
