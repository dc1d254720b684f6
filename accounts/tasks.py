from celery import shared_task


@shared_task(name="accounts.tasks.clear_expired_sessions")
def clear_expired_sessions() -> int:
    """Delete expired sessions (idempotent). Returns how many were removed."""
    from .services_sessions import sessions_clear_expired

    return sessions_clear_expired()
