from studio.permissions import role_of


def studio(request):
    """Studio name, the user's role and their pending-review count, for the navigation."""
    from studio.services import studio_profile_get

    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "studio_profile": studio_profile_get() if signed_in else None,
        "user_role": role_of(user) if signed_in else "none",
        "review_pending_count": _pending_count(request) if signed_in else 0,
    }


def _pending_count(request) -> int:
    """The user's pending drafts, cached under the queue's generation: counted again only after a change
    (the unfiltered queue page looked up the same number for its total)."""
    from approvals.cache import pending_count

    return pending_count(request)
