"""Admin sign-in codes (spkit signin, register, grant-site, unregister; the wizard's Log in button)."""

from __future__ import annotations

from ..entry import maker

E = maker("signin")

USER_PAGE = "Entra admin center > Identity > Users > All users > the user"
SIGN_IN_LOGS = (
    "Entra admin center > Identity > Monitoring & health > Sign-in logs (the user's failed sign-in)"
)

ENTRIES = (
    E(
        "AUTH_BAD_PASSWORD",
        "Wrong user name or password",
        meaning="Entra refused the admin's password (AADSTS50126).",
        evidence="Entra's AADSTS50126 message (never the password).",
        fix=[
            "Check the password the reference points to (or type it again on stdin).",
            "With MFA on, the regular password is refused for a password sign-in: use the account's app "
            "password, or leave the password out to sign in with a device code.",
        ],
        tell="The administrator password we were given is not accepted. Please check it, or sign in "
        "yourself with the device code we show you.",
    ),
    E(
        "AUTH_MFA_REQUIRED",
        "Account requires multi-factor authentication",
        also=("token",),
        meaning="The account must do MFA (AADSTS50076), which a password sign-in cannot.",
        evidence="Entra's AADSTS50076 message.",
        fix=[
            "Sign in with a device code: run the command without --password (it prints a link and a code).",
            "Or use the account's app password (https://mysignins.microsoft.com/security-info > App "
            "password), where the tenant allows them.",
        ],
        tell="Your administrator account uses multi-factor authentication. Please complete the sign-in "
        "with the code we show you (a browser page asks for it), or give us an app password.",
    ),
    E(
        "AUTH_MFA_ENROLMENT",
        "Account must enrol in MFA first",
        meaning="The account must register its MFA methods before it can sign in (AADSTS50079).",
        evidence="Entra's AADSTS50079 message.",
        fix=[
            "Sign in once at https://aka.ms/mysecurityinfo and register a method, then use the device-code "
            "sign-in.",
        ],
        tell="Your administrator account must first register its multi-factor authentication methods at "
        "https://aka.ms/mysecurityinfo; then we can sign in with it.",
    ),
    E(
        "AUTH_USER_DISABLED",
        "User account disabled",
        meaning="The account is disabled in Entra (AADSTS50057).",
        evidence="Entra's AADSTS50057 message.",
        fix=[f"{USER_PAGE} > Edit properties > Settings > Account enabled, or use another admin."],
        tell="The administrator account we were given is disabled. Please enable it (Entra admin center > "
        "Users > the user > Account enabled) or give us another administrator.",
    ),
    E(
        "AUTH_USER_UNKNOWN",
        "User does not exist in the tenant",
        meaning="No user with this sign-in name exists in the tenant (AADSTS50034).",
        evidence="Entra's AADSTS50034 message with the UPN.",
        fix=["Check the UPN (Microsoft 365 admin center > Users > Active users shows sign-in names)."],
        tell="The administrator account we were given does not exist in your tenant. Please send us its "
        "exact sign-in name.",
    ),
    E(
        "AUTH_PASSWORD_EXPIRED",
        "Password expired",
        meaning="The account's password has expired (AADSTS50055).",
        evidence="Entra's AADSTS50055 message.",
        fix=[
            "Change the password (sign in once at https://myaccount.microsoft.com), then update the reference."
        ],
        tell="The administrator account's password has expired. Please change it and send us the new one "
        "(or sign in yourself with the device code).",
    ),
    E(
        "AUTH_ACCOUNT_LOCKED",
        "Account locked",
        meaning="The account is locked after too many failed sign-ins, or Entra's smart lockout blocks it "
        "(AADSTS50053).",
        evidence="Entra's AADSTS50053 message.",
        fix=["Wait for the lockout to end (minutes), check the password, or ask an admin to unblock it."],
        tell="The administrator account is locked after failed sign-ins. Please unlock it (or wait a few "
        "minutes), and confirm its password.",
    ),
    E(
        "AUTH_CONDITIONAL_ACCESS",
        "Conditional Access blocked the sign-in",
        also=("token",),
        meaning="A Conditional Access policy blocked the sign-in (AADSTS53003; 53000 compliant device, "
        "53001 joined device, 50158 external security challenge).",
        evidence="Entra's AADSTS code and message.",
        fix=[
            f"Look the failure up: {SIGN_IN_LOGS} > Conditional Access tab names the policy.",
            "Ask the tenant's admins to allow this sign-in (an exclusion, a trusted location), or sign in "
            "from a device the policy accepts.",
        ],
        tell="A Conditional Access policy in your tenant blocks our sign-in. Please check the sign-in logs "
        "(Entra admin center > Monitoring & health > Sign-in logs > Conditional Access) and allow it for "
        "this sign-in.",
    ),
    E(
        "AUTH_CONSENT_REQUIRED",
        "Consent required",
        meaning="The user or an admin has not consented to the application's delegated permissions "
        "(AADSTS65001).",
        evidence="Entra's AADSTS65001 message.",
        fix=[
            "Grant admin consent for the app (App registrations > the app > API permissions > Grant admin consent)."
        ],
        tell="Please grant admin consent for our application (Entra admin center > App registrations > the "
        "app > API permissions > Grant admin consent).",
    ),
    E(
        "AUTH_DECLINED",
        "Sign-in declined",
        meaning="The person signing in with the device code declined the request.",
        evidence="Entra's answer to the polling (authorization_declined).",
        fix=["Start again and approve the sign-in."],
        tell="The sign-in request was declined; please approve it when we start it again.",
    ),
    E(
        "AUTH_CODE_EXPIRED",
        "Device code expired",
        meaning="Nobody entered the device code before it expired.",
        evidence="Entra's answer to the polling (expired_token).",
        fix=["Start again and enter the code within its lifetime (about 15 minutes)."],
        tell="The sign-in code expired; we will send a new one.",
    ),
    E(
        "AUTH_SIGNIN_TIMEOUT",
        "Sign-in not completed in time",
        meaning="The device-code sign-in was not completed within the time spkit waits.",
        evidence="The time waited.",
        fix=["Start again, open the link and enter the code before the time runs out."],
        tell="The sign-in was not completed in time; we will start it again.",
    ),
    E(
        "AUTH_CANCELLED",
        "Sign-in cancelled",
        meaning="The sign-in was cancelled (the wizard's Cancel, or Ctrl-C) before it finished.",
        evidence="The cancellation.",
        fix=["Start the sign-in again when ready."],
        tell="Nothing to change: the sign-in was cancelled on our side.",
    ),
    E(
        "ADMIN_ROLE_MISSING",
        "Admin lacks the SharePoint Administrator role",
        meaning="The signed-in account holds neither SharePoint Administrator nor Global Administrator "
        "(read from /me/memberOf).",
        evidence="The directory roles the account holds.",
        fix=[
            "Assign SharePoint Administrator: Microsoft 365 admin center > Users > Active users > the user "
            "> Manage roles (or Entra admin center > Roles & admins).",
            "Or sign in with another administrator.",
        ],
        tell="The account we use lacks the SharePoint Administrator role. Please assign it (Microsoft 365 "
        "admin center > Users > Active users > the user > Manage roles).",
    ),
    E(
        "ADMIN_NOT_GLOBAL_ADMIN",
        "Admin is not a Global Administrator",
        also=("registration", "wizard"),
        meaning="Automatic registration creates an app and grants admin consent, which needs a Global "
        "Administrator; the signed-in account holds other roles.",
        evidence="The directory roles the account holds.",
        fix=[
            "Sign in as a Global Administrator ('spkit register TARGET --admin UPN').",
            "Or register the app manually and use manual registration.",
        ],
        tell="Creating our application needs a Global Administrator. Please sign in with one, or register "
        "the application yourselves and send us its client ID, tenant ID and certificate thumbprint.",
    ),
    E(
        "ADMIN_MISMATCH",
        "Signed in as another account",
        meaning="The cached or completed sign-in is for another account than the admin named.",
        evidence="The account that signed in and the one asked for.",
        fix=["Sign in with the account named, or name the account that signed in as --admin."],
        tell="Nothing to change on your side: we signed in with another account than planned.",
    ),
    E(
        "ADMIN_PASSWORD_EMPTY",
        "Admin password empty",
        meaning="The admin password given (by reference or on stdin) is empty.",
        evidence="The reference or stdin.",
        fix=[
            "Give the password (or app password) by reference or on stdin, or leave it out for a device code."
        ],
        tell="Nothing to change on your side.",
    ),
    E(
        "ADMIN_SIGNIN_NEEDED",
        "Admin not signed in",
        also=("wizard",),
        meaning="The step needs a signed-in admin, and there is no cached sign-in, no password and no way "
        "to show a device code (a non-interactive run).",
        evidence="The admin named and the absence of a cached sign-in.",
        fix=["Run 'spkit signin TARGET --admin UPN' first, or give --password REF / --password-stdin."],
        tell="Nothing to change on your side: we will sign in with your administrator first.",
    ),
    E(
        "ADMIN_UPN_MISSING",
        "Admin user name missing",
        also=("wizard",),
        meaning="The admin's sign-in name is empty.",
        evidence="The --admin option (or the wizard's User Principal Name field).",
        fix=["Give the Microsoft 365 admin's sign-in name, e.g. admin@contoso.onmicrosoft.com."],
        tell="Please send us the sign-in name of the administrator who will sign in.",
    ),
)
