"""Domain events: delivered after commit, never for rolled-back work, one failing subscriber harms nobody."""

import pytest
from django.db import transaction

from studio import events


@pytest.fixture
def seen():
    got: list[events.Event] = []

    def handler(event):
        got.append(event)

    events.subscribe(events.JobFinished, handler, dispatch_uid="test.seen")
    yield got
    events.unsubscribe(events.JobFinished, dispatch_uid="test.seen")


def _job_finished(job_id: int = 1) -> events.JobFinished:
    return events.JobFinished(job=None, job_id=job_id, kind="publish", status="succeeded")


@pytest.mark.django_db(transaction=True)
def test_an_event_is_delivered_after_the_transaction_commits(seen):
    with transaction.atomic():
        events.emit(_job_finished())
        assert seen == []  # not yet: the work could still roll back
    assert [event.job_id for event in seen] == [1]
    assert seen[0].type == "job.finished" and seen[0].data()["status"] == "succeeded"


@pytest.mark.django_db(transaction=True)
def test_rolled_back_work_emits_nothing(seen):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.emit(_job_finished())
        raise RuntimeError("the service failed")
    events.emit(_job_finished(2))  # a positive control after the rollback
    assert [event.job_id for event in seen] == [2]


@pytest.mark.django_db(transaction=True)
def test_a_failing_subscriber_does_not_stop_the_others(seen, caplog):
    def broken(event):
        raise ValueError("subscriber bug")

    events.subscribe(events.JobFinished, broken, dispatch_uid="test.broken")
    try:
        events.emit(_job_finished())
    finally:
        events.unsubscribe(events.JobFinished, dispatch_uid="test.broken")
    assert [event.job_id for event in seen] == [1]
    assert "test.broken failed on job.finished" in caplog.text


def test_subscribing_twice_keeps_one_subscription(seen):
    events.subscribe(events.JobFinished, seen.append, dispatch_uid="test.seen")
    assert [uid for uid, _ in events._handlers_for(events.JobFinished)].count("test.seen") == 1


@pytest.mark.django_db(transaction=True)
def test_a_subscriber_to_a_base_type_hears_its_subclasses():
    heard = []
    events.subscribe(events.DraftEvent, heard.append, dispatch_uid="test.drafts")
    try:
        events.emit(events.DraftRejected(kind="k", draft=None, draft_id=1, item_id=2, version=1, subject="s", note="n"))
        events.emit(_job_finished())  # not a draft event
    finally:
        events.unsubscribe(events.DraftEvent, dispatch_uid="test.drafts")
    assert [event.type for event in heard] == ["draft.rejected"]


def test_event_data_leaves_model_objects_out():
    from django.contrib.auth.models import User

    event = events.DraftApproved(kind="k", draft=User(username="x"), draft_id=1, item_id=2, version=3, subject="s")
    data = event.data()
    assert "draft" not in data and data["draft_id"] == 1 and data["kind"] == "k"
