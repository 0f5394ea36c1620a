"""The log-in backend: Django's, reading a signed-in customer's profile with the user."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class ProfileModelBackend(ModelBackend):
    """Every portal request needs the customer's profile (language, verified address), so the
    user and the profile come in one query instead of two. Staff have no profile: the LEFT JOIN
    caches its absence, so asking for it costs no query either."""

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("customer_profile")
        try:
            user = users.get(pk=user_id)
        except users.model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
