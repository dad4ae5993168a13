"""The daily retention run as a background job (django-tasks; `manage.py db_worker` runs it).

django-tasks has no schedule of its own: cron or a systemd timer starts the command
`anonymise_expired` once a day (README), or enqueues this job.
"""

from django_tasks import task

from guanai.areas.models import Area, AreaLevel
from guanai.retention.services import retention_daily


@task()
def anonymise_expired_job(county_code: str = "") -> dict[str, object]:
    """Anonymise the children whose period has run out, of one county or of all; what was
    done is the job's result (counts only)."""
    county = Area.objects.get(code=county_code, level=AreaLevel.COUNTY) if county_code else None
    return retention_daily(county=county).as_dict()
