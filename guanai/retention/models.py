"""How long a county keeps the files of children it no longer looks after (PIPL art. 19, 47).

A child's file is anonymised once the county's period has run out after they left the
roster (移出) or after they turned 18, whichever comes first. Counties without a policy of
their own keep the defaults below. An exit counts only once it is approved (审核通过) and
EXIT_WAIT_DAYS after it was recorded, whatever date was typed for it.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_MONTHS_AFTER_EXIT = 36
DEFAULT_MONTHS_AFTER_ADULTHOOD = 12
# A period of at least a month leaves time to restore a child exited by mistake; twenty
# years is longer than any purpose of these files.
MIN_MONTHS, MAX_MONTHS = 1, 240


# An exit counts only this many days after it was recorded: a wrong or backdated exit
# date (the period counts from it) leaves a month to notice the exit and restore the child.
EXIT_WAIT_DAYS = 30

# Both periods are whole months within these bounds.
_MONTHS = [MinValueValidator(MIN_MONTHS), MaxValueValidator(MAX_MONTHS)]


class RetentionPolicy(models.Model):
    county = models.OneToOneField(
        "areas.Area", on_delete=models.PROTECT, related_name="+", verbose_name=_("县")
    )
    months_after_exit = models.PositiveSmallIntegerField(
        _("移出后保留月数"), default=DEFAULT_MONTHS_AFTER_EXIT, validators=_MONTHS
    )
    months_after_adulthood = models.PositiveSmallIntegerField(
        _("年满18周岁后保留月数"), default=DEFAULT_MONTHS_AFTER_ADULTHOOD, validators=_MONTHS
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("修改人"),
    )
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        ordering = ["county_id"]
        verbose_name = _("保留期限")
        verbose_name_plural = _("保留期限")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    months_after_exit__gte=MIN_MONTHS,
                    months_after_exit__lte=MAX_MONTHS,
                    months_after_adulthood__gte=MIN_MONTHS,
                    months_after_adulthood__lte=MAX_MONTHS,
                ),
                name="retentionpolicy_months_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.county_id} {self.months_after_exit}/{self.months_after_adulthood}"
