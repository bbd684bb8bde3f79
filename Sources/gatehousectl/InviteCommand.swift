import ArgumentParser
import GatehouseConfig
import GatehouseCore

struct Invite: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Mail an address an invitation to sign up (signup_enabled = invitation).",
        discussion: "The mail links to the sign-up page, good for that address for 7 days; the person then chooses a password and verifies a code mailed to the address, as any sign-up does.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "E-mail address.", transform: emailArgument) var email: EmailAddress
    @Option(help: "The sign-up page's full URL; default: public_origin, then prefix, then /signup.") var page: String?

    func run() throws {
        let config = try global.loadConfig()
        guard config.signupEnabled == .invitation else {
            Console.error("invitations need signup_enabled = invitation")
            throw Exit.config
        }
        let signupPage: String
        if let page {
            signupPage = page
        } else if !config.publicOrigin.isEmpty {
            signupPage = config.publicOrigin + config.prefix + "/signup"
        } else {
            Console.error("the mail needs the page's full URL: set public_origin, or give --page")
            throw Exit.usage
        }
        let mail = try global.mailService(config)
        let accounts = try global.accounts(mail: mail)
        try perform { try accounts.invite(email, signupPage: signupPage) }
        mail.deliverQueued()
        Console.out("invited \(email)")
    }
}
