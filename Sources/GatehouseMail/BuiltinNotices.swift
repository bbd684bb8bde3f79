import GatehouseSystem

/// The last fallback for a notice a site's own templates_dir lacks (one
/// copied from a release before the notice existed): one plain English
/// sentence each, so the owner is still told. The shipped templates
/// (deploy/templates/mail) say more, in every shipped language.
enum BuiltinNotices {
    static let texts: [String: (subject: String, event: String)] = [
        "mfa-enabled": ("Two-step sign-in is now on for your {{site}} account",
                        "Two-step sign-in with an authenticator app was turned on"),
        "mfa-disabled": ("Two-step sign-in was turned off for your {{site}} account",
                         "Two-step sign-in was turned off"),
        "recovery-codes-regenerated": ("New recovery codes for your {{site}} account",
                                       "New recovery codes were made (the earlier ones no longer work)"),
        "recovery-code-used": ("A recovery code was used for your {{site}} account",
                               "A recovery code was used ({{left}} unused codes are left)"),
        "second-step-failed": ("Your {{site}} password was entered, but not the second step",
                               "Your password was entered, but not a right code from your authenticator app"),
        "mfa-reset": ("Two-step sign-in was removed from your {{site}} account",
                      "An administrator removed two-step sign-in and signed out every session"),
        "passkey-added": ("A passkey was added to your {{site}} account", "A passkey ({{name}}) was added"),
        "passkey-removed": ("A passkey was removed from your {{site}} account", "A passkey ({{name}}) was removed"),
        "email-changed": ("The e-mail address of your {{site}} account was changed",
                          "The address was changed to {{new_email}} (undo within {{days}} days at {{undo_page}} with the code {{undo}})"),
        "email-change-undone": ("A change of address of your {{site}} account was undone",
                                "The account's earlier address, {{old_email}}, was given back"),
        "signup-attempt": ("Someone tried to sign up at {{site}} with your address",
                           "Someone tried to make a new account with this address (none was made)"),
        "account-deleted": ("Your {{site}} account will be deleted",
                            "Deleting the account was asked for (it goes on {{until}}; restore it before then at {{restore_page}} with the code {{restore}})"),
        "account-restored": ("Your {{site}} account was restored", "The account was restored and will not be deleted"),
        "new-device": ("A new sign-in to your {{site}} account",
                       "A sign-in from a device new to the account ({{browser}}, network {{network}}) happened; if it was not you, open {{not_me_page}} and enter the code {{not_me}}"),
        "invitation": ("You are invited to {{site}}",
                       "You are invited to make an account at {{site}} with this address ({{email}}) until {{until}} (UTC): {{page}}"),
    ]

    static func template(_ name: String) throws -> (subject: Template, text: Template, html: Template?) {
        guard let t = texts[name] else { throw SetupError(description: "no built-in notice \(name)") }
        if name == "invitation" {
            return (try Template(t.subject), try Template("Hello,\n\n\(t.event).\n\n-- \n{{site}}\n"), nil)
        }
        let body = "Hello,\n\n\(t.event) for your {{site}} account ({{email}}) on {{time}} (UTC)"
            + " from the address {{ip}}.\n\nIf this was not you, reset your password with a code sent by e-mail"
            + " on the {{site}} sign-in page straight away, and tell the site's administrator.\n\n-- \n{{site}}\n"
        return (try Template(t.subject), try Template(body), nil)
    }
}
