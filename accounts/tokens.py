"""Signed, expiring links for confirming a customer's e-mail address.

Built like Django's password-reset tokens: the hash covers the address and the moment it was
verified, so a link stops working once it has been used or the address has changed. The link
carries the user's id (base64) and the token; never the address itself.
"""

from django.contrib.auth.tokens import PasswordResetTokenGenerator


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "accounts.tokens.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user, timestamp):
        profile = getattr(user, "customer_profile", None)
        verified_at = profile.email_verified_at if profile else None
        verified = "" if verified_at is None else verified_at.replace(microsecond=0, tzinfo=None)
        return f"{user.pk}{user.email}{verified}{timestamp}{user.is_active}"


email_verification_token = EmailVerificationTokenGenerator()
