package dev.baton.coordinator.service;

import dev.baton.common.Responses.AuditEntry;
import dev.baton.common.Responses.AuditPage;
import dev.baton.coordinator.db.AuditTrail;
import dev.baton.coordinator.db.Db;
import jakarta.inject.Singleton;
import java.util.List;

/** GET /audit: the audit trail, newest first, in pages of {@code limit} with a cursor to the next. */
@Singleton
public final class AuditService {
    private final Db db;
    private final AuditTrail trail;

    public AuditService(Db db, AuditTrail trail) {
        this.db = db;
        this.trail = trail;
    }

    /** {@code withTokens}: the rows of token changes too (admins only: they list every token's name, role and scopes). */
    public AuditPage page(String actor, String action, String target, String cursor, int limit, boolean withTokens) {
        Long before = cursor == null ? null : Ids.parseCursor("a", cursor, "cursor");
        List<AuditEntry> rows = db.run(c -> trail.page(c, new AuditTrail.Filter(actor, action, target, before, limit, withTokens)));
        if (rows.size() <= limit) {
            return new AuditPage(rows, null);
        }
        List<AuditEntry> page = List.copyOf(rows.subList(0, limit));
        return new AuditPage(page, Ids.cursor("a", Long.parseLong(page.get(page.size() - 1).id())));
    }
}
