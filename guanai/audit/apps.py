from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "guanai.audit"
    label = "audit"

    def ready(self) -> None:
        from guanai.audit.exports import ACCESS_LOG
        from guanai.audit.models import AccessEvent
        from guanai.children.cleanup import Cleanup
        from guanai.children.cleanup import register as cleanup_register
        from guanai.exports.registry import register

        register(ACCESS_LOG)
        cleanup_register(
            Cleanup(
                name="audit.access_log",
                models=(AccessEvent,),
                anonymise=None,
                kept=(
                    "The access log is evidence, chained by HMAC: an entry changed or removed "
                    "breaks the chain (verify_access_log also checks that an entry's child "
                    "agrees with its target, 'child:<id>'). An entry names the child by id "
                    "only, which leads to a row that names no one once anonymised; it goes "
                    "with the log's own retention (AUDIT_RETENTION_DAYS, prune_access_log). "
                    "A child removed by an import's undo leaves its entries as they are "
                    "(on_delete=DO_NOTHING, no database constraint)."
                ),
            )
        )
