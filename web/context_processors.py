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
    """The user's pending drafts; the unfiltered queue page has just counted the same ones."""
    from approvals.cache import pending_count

    counted = getattr(request, "review_pending_count", None)
    # Cached under the queue's generation: counted again only after a change.
    return counted if counted is not None else pending_count(request)
