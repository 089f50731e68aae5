"""Signing a test client in without the sign-in form (the form itself has its own tests)."""


def sign_in(client, user) -> None:
    """Make `client` act as `user` from its next request on, as Flask-Login would after a fresh sign-in."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def signed_in_client(app, user):
    """A new test client signed in as `user`, for a second person in the same test."""
    client = app.test_client()
    sign_in(client, user)
    return client
