package dev.baton.coordinator.service;

import dev.baton.common.Requests;
import dev.baton.common.Responses.CreatedToken;
import dev.baton.common.Responses.Token;
import dev.baton.coordinator.auth.Role;
import dev.baton.coordinator.auth.Tokens;
import dev.baton.coordinator.db.ApiTokens;
import dev.baton.coordinator.db.AuditTrail;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import jakarta.inject.Singleton;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * API tokens: create (the secret is made here, answered once, and only its hash is stored),
 * list, revoke. Each change writes its audit row in its own transaction.
 */
@Singleton
public final class TokenService {
    /** No ':' so that no created name can pass for an environment ({@code env:…}) or generated one. */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private final Db db;
    private final ApiTokens tokens;
    private final AuditTrail audit;

    public TokenService(Db db, ApiTokens tokens, AuditTrail audit) {
        this.db = db;
        this.tokens = tokens;
        this.audit = audit;
    }

    public CreatedToken create(Requests.CreateToken r, Actor actor) {
        Checks checks = new Checks();
        checks.required("name", r.name());
        if (r.name() != null && !NAME.matcher(r.name()).matches()) {
            checks.fail("name", "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        } else if (ApiTokens.FIRST_START.equals(r.name())) {
            // the actor of what the first start generated: a token of that name would pass for it in the audit trail
            checks.fail("name", "'" + ApiTokens.FIRST_START + "' is reserved");
        }
        checks.required("role", r.role());
        Role role = r.role() == null ? null : Role.fromWire(r.role());
        if (r.role() != null && role == null) {
            checks.fail("role", "must be admin, producer, worker or viewer");
        }
        if (r.queues() != null) {
            if (role != null && !role.takesQueues()) {
                checks.fail("queues", "only producer and worker tokens take queues; an " + role.wire()
                        + " token acts on every queue");
            }
            if (r.queues().isEmpty() || r.queues().size() > 50) {
                checks.fail("queues", "must name 1 to 50 queues, or be left out for every queue");
            }
            r.queues().forEach(q -> checks.name("queues", Objects.requireNonNullElse(q, "")));
        }
        checks.time("expiresAt", r.expiresAt());
        checks.throwIfAny();
        List<String> queues = r.queues() == null ? null : r.queues().stream().distinct().sorted().toList();
        String secret = "baton_" + Tokens.newSecret();
        ApiTokens.Stored stored = db.tx(c -> {
            ApiTokens.Stored s;
            try {
                s = tokens.insertIfExpiryAhead(c, Tokens.hash(secret), r.name(), role.wire(), queues, r.expiresAt(),
                        actor.name());
            } catch (SQLException e) {
                if (Db.isUniqueViolation(e)) {
                    throw new BatonException(ErrorCode.ALREADY_EXISTS, "a token named '" + r.name()
                            + "' exists; revoke it first or choose another name");
                }
                throw e;
            }
            if (s == null) {
                throw BatonException.invalid("expiresAt", "must be in the future (by the database's clock)");
            }
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("role", s.role());
            detail.put("queues", s.queues());
            detail.put("expiresAt", s.expiresAt() == null ? null : s.expiresAt().toString());
            audit.record(c, actor.name(), "token.create", "token:" + s.name(), actor.details(detail));
            return s;
        });
        return new CreatedToken(stored.name(), stored.role(), stored.queues(), stored.createdAt(), stored.expiresAt(),
                stored.createdBy(), secret);
    }

    public List<Token> list() {
        return db.run(tokens::all).stream().map(TokenService::token).toList();
    }

    /** Deletes the token: from the next request on, on every coordinator, it is unknown (401). */
    public void revoke(String name, Actor actor) {
        ApiTokens.Stored gone = NAME.matcher(name).matches() || name.startsWith(ApiTokens.FIRST_START + ":")
                ? db.tx(c -> {
                    ApiTokens.Stored s = tokens.deleteByName(c, name);
                    if (s != null) {
                        audit.record(c, actor.name(), "token.revoke", "token:" + name,
                                actor.details(Map.of("role", s.role())));
                    }
                    return s;
                })
                : null;
        if (gone == null) {
            throw BatonException.notFound("token named", name);
        }
    }

    private static Token token(ApiTokens.Stored s) {
        return new Token(s.name(), s.role(), s.queues(), s.createdAt(), s.expiresAt(), s.createdBy(), s.lastUsedAt());
    }
}
