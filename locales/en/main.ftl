# Common interface
app-name = Dân vận khéo
footer-tagline = The mass mobilization platform of local government
skip-to-content = Skip to main content
nav-label = Main navigation
nav-home = Home
nav-units = Units
nav-users = Users
nav-audit = Audit log
logout = Log out
save = Save
cancel = Cancel
edit = Edit
search = Search
filter = Filter
all = All
choose = — Choose —
actions = Actions
activate = Reactivate
deactivate = Deactivate
revoke = Revoke
status-active = Active
status-inactive = Inactive
form-has-errors = Please correct the fields marked below.
pagination-label = Pagination
pagination-prev = Previous
pagination-next = Next
pagination-page = Page { $number } of { $pages }
pagination-total = { $total } items

# Fields
field-username = Username
field-password = Password
field-current-password = Current password
field-new-password = New password
field-confirm-password = Repeat the new password
field-full-name = Full name
field-email = Email
field-name = Name
field-kind = Kind
field-code = Code
field-parent = Parent unit
field-status = Status
field-unit = Unit
field-home-unit = Home unit
field-language = Language
field-role = Role
field-first-role = First role (on the home unit)
field-last-login = Last login

# Input errors
error-required = This field is required.
error-too-long = Too long.
error-invalid-choice = Not a valid choice.
error-username = 3 to 40 characters: lowercase letters without accents, digits, dot, underscore or hyphen.
error-username-taken = This username is already in use.
error-email = Not a valid email address.
error-password-short = The password must be at least 10 characters long.
error-password-weak = The password must not be only letters or only digits.
error-password-mismatch = The two passwords do not match.
error-password-same = The new password must differ from the current one.
error-password-wrong = The current password is wrong.
error-date = Dates are written dd/mm/yyyy.
error-unit-cycle = A unit cannot move under itself or one of its own descendants.
error-unit-has-active-children = This unit still has active units below it; deactivate those first.
error-grant-invalid = Not a valid role or unit.
error-deactivate-self = You cannot deactivate your own account.

# Error pages
error-status = Error code { $status }
error-back-home = Back to the home page
error-not-found-title = Page not found
error-not-found-text = This page or record does not exist or has been removed.
error-forbidden-title = Access denied
error-forbidden-text = Your account may not do this in this unit.
error-csrf-title = Your session has expired
error-csrf-text = The form was stale or invalid. Reload the page and try again.
error-bad-request-title = Bad request
error-bad-request-text = The data sent was not in the expected form.
error-internal-title = Something went wrong
error-internal-text = The system ran into a problem. Nothing was changed; please try again later.

# Login
login-title = Log in
login-submit = Log in
login-failed = Wrong username or password.
login-locked = Too many failed attempts. Please try again in { $minutes } minutes.
login-help = Forgot your password? Ask your unit's administrator for a one-time password.
flash-logged-out = You have logged out.
flash-saved = Saved.
flash-password-changed = Password changed. Your other sessions have ended.

# Account
account-title = My account
account-roles = Roles held
account-no-roles = No roles yet.
account-language = Interface language
password-title = Change password
password-forced = You are using a one-time password. Choose a new password to continue.
password-rules = At least 10 characters, with letters and digits or symbols.
language-vi = Vietnamese
language-en = English

# Home
home-title = Home
home-welcome = Welcome, { $name }
home-no-roles = Your account holds no role on any unit yet. Ask an administrator to grant one.
home-units = Units in your scope ({ $count })

# Roles
role-admin = Administrator
role-committee = Party committee member
role-ward_team = Ward team member
role-reviewer = Fatherland Front (supervision and review)
role-viewer = Viewer

# Units
units-title = Units
units-new-title = Add a unit
units-edit-title = Edit unit
units-add-child = Add below
units-empty = No units yet.
units-no-parent = (Top level)
units-code-hint = Optional, for example the administrative unit code.
unit-kind-province = Province
unit-kind-city = Centrally-run city
unit-kind-district = District (before 07/2025)
unit-kind-commune = Commune
unit-kind-ward = Ward
unit-kind-special_zone = Special zone
unit-kind-village = Village / hamlet
unit-kind-residential_group = Residential group / quarter
unit-kind-department = Department
unit-kind-party_committee = Party committee
unit-kind-front_committee = Fatherland Front committee
unit-kind-mass_organization = Mass organization

# Users
users-title = Users
users-new-title = Add a user
users-edit-title = Edit user
users-empty = No users.
users-no-role = (No role yet)
users-roles = Roles by unit
users-grant = Grant role
users-account-actions = Account
users-reset-password = Issue a new one-time password
users-history = Change history
users-one-time-hint = A one-time password will be generated and shown once after saving.
users-one-time-shown = One-time password for { $username }:
users-one-time-warning = This password is shown only now. Hand it over in person; at first login a new password must be chosen.
username-rules = Lowercase letters without accents, digits, dot, underscore, hyphen; for example nguyen.van.a

# Audit log
audit-title = Audit log
audit-at = Time
audit-action = Action
audit-entity = Entity
audit-entity-id = Entity id
audit-changes = Changes
audit-from = From
audit-until = Until
audit-system = System
audit-empty = No entries.

# Mail
nav-mail = Email
mail-title = Email settings
mail-transport = Delivery
mail-from = Sender address
mail-files-note = No SMTP server is configured (SMTP_HOST): messages are written as .eml files to the folder above, not sent.
mail-test-title = Send a test message
mail-test-to = Send to
mail-test-send = Send test message
mail-test-sent = Test message sent.
mail-test-failed = The message could not be sent. The mail server answered:
mail-test-subject = Test message from Dân vận khéo
mail-test-greeting = Dear { $name },
mail-test-body = This is a test message to check the system's mail settings. There is no need to reply.
