package dev.baton.coordinator.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.common.Json;
import dev.baton.coordinator.db.Db;
import dev.baton.coordinator.db.IdempotencyKeys;
import dev.baton.coordinator.error.BatonException;
import dev.baton.coordinator.error.ErrorCode;
import dev.baton.coordinator.service.KeyedSteps;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import jakarta.inject.Singleton;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The {@code Idempotency-Key} header of the enqueue and bulk routes. Without it a route simply
 * runs. With it, the route runs inside one transaction that also stores its answer, so either
 * both commit or neither does; a resend with the same key and body gets that answer back, byte
 * for byte, and does nothing again; with another body (or on another route) it is 422. A resend
 * while the first is still running waits for it (the key's row lock) and then gets its answer.
 * Refusals store nothing: they changed nothing, and a corrected resend may use the same key.
 *
 * <p>"The same body" is the same request record: what is stored and compared is the SHA-256 of
 * the record as the strict mapper writes it back, not of the bytes on the wire. A resend that
 * differs only in spacing, in the order of the record's own fields, or in how it spells the same
 * time is the same request; one that changes any value, or the order of the keys of an object
 * kept as sent (a payload, the labels), is another. An empty body is the record of {@code {}}.
 * A JSON value (a payload) sent as {@code null} is told apart from one left out: the record holds
 * JSON null for the one and Java null for the other, and they differ in meaning (in a bulk update
 * {@code "payload": null} is refused, a payload left out is left as it is), so the hash leaves out
 * the Java nulls only.
 */
@Singleton
public final class Idempotency {
    public static final String HEADER = "Idempotency-Key";
    public static final String REPLAYED = "Idempotent-Replayed";
    /** The headers of an answer that say something about it; the rest the server sets afresh. */
    private static final List<String> KEPT = List.of(HttpHeaders.CONTENT_TYPE, "Baton-Deduplicated");
    private static final TypeReference<Map<String, String>> HEADERS = new TypeReference<>() {
    };
    /** The strict mapper, leaving out the fields a request did not send (Java null); JSON nulls stay. */
    private static final ObjectMapper REQUEST_FORM = Json.mapper().copy().setDefaultPropertyInclusion(
            JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.ALWAYS));
    private final Db db;
    private final IdempotencyKeys keys;
    private final KeyedSteps keyedSteps;

    public Idempotency(Db db, IdempotencyKeys keys, KeyedSteps keyedSteps) {
        this.db = db;
        this.keys = keys;
        this.keyedSteps = keyedSteps;
    }

    /** The answer of {@code work} for {@code route}, or, under a key already used, the stored one. */
    public MutableHttpResponse<?> answer(HttpRequest<?> request, String route, Record body,
                                         Supplier<? extends MutableHttpResponse<?>> work) {
        return answer(request, route, body, taken -> work.get(), false);
    }

    /**
     * As {@link #answer}, for a route whose work commits in steps of its own rather than in the
     * key's transaction: {@code work} gets the key it runs under (null without one) and stores
     * each step's answer with that step ({@link IdempotencyKeys#storeStep}); a try that ended
     * before its answer was stored left those steps, and a resend finds them there. Under a key
     * it runs in a {@link KeyedSteps} slot, taken before the key's connection.
     */
    public MutableHttpResponse<?> answerInSteps(HttpRequest<?> request, String route, Record body,
                                                Function<IdempotencyKeys.Taken, ? extends MutableHttpResponse<?>> work) {
        if (request.getHeaders().get(HEADER) == null) {
            return work.apply(null);
        }
        return keyedSteps.inSlot(() -> answer(request, route, body, work, true));
    }

    private MutableHttpResponse<?> answer(HttpRequest<?> request, String route, Record body,
                                          Function<IdempotencyKeys.Taken, ? extends MutableHttpResponse<?>> work,
                                          boolean inSteps) {
        String key = request.getHeaders().get(HEADER);
        if (key == null) {
            return work.apply(null);
        }
        checkSyntax(key);
        String caller = callerOf(request);
        byte[] hash = sha256(requestForm(body));
        while (true) {
            Optional<MutableHttpResponse<?>> answer = db.enclosing(c -> {
                if (keys.takeUnlessHeld(c, caller, key, route, hash)) {
                    if (inSteps) {
                        keys.holdWhileStepping(c);
                    }
                    MutableHttpResponse<?> fresh = work.apply(new IdempotencyKeys.Taken(caller, key, hash));
                    keys.storeAnswer(c, caller, key, fresh.code(), keptHeaders(fresh),
                            fresh.getBody().map(Json::write).orElse(""));
                    if (inSteps) {
                        keys.forgetSteps(c, caller, key);
                    }
                    return Optional.of(fresh);
                }
                IdempotencyKeys.Stored stored = keys.findLive(c, caller, key);
                if (stored == null) {
                    return Optional.empty(); // past its lifetime and pruned between the two statements
                }
                if (!stored.route().equals(route) || !MessageDigest.isEqual(stored.requestHash(), hash)) {
                    throw new BatonException(ErrorCode.IDEMPOTENCY_KEY_REUSED, "this Idempotency-Key was first sent "
                            + "to " + stored.route() + " with another body; use a new key for a new request");
                }
                return Optional.of(replay(stored));
            });
            if (answer.isPresent()) {
                return answer.get();
            }
        }
    }

    /** Whether {@code answer} was replayed from a stored one rather than produced now. */
    public static boolean isReplay(HttpResponse<?> answer) {
        return answer.getHeaders().contains(REPLAYED);
    }

    private static void checkSyntax(String key) {
        boolean visibleAscii = !key.isEmpty() && key.length() <= 255
                && key.chars().allMatch(ch -> ch >= 0x21 && ch <= 0x7e);
        if (!visibleAscii) {
            throw BatonException.invalid(HEADER, "must be 1 to 255 visible ASCII characters (no spaces)");
        }
    }

    /** Keys belong to the token that sent them: two callers' keys never collide. */
    private static String callerOf(HttpRequest<?> request) {
        String authorization = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        String token = authorization == null || authorization.length() <= 7 ? "" : authorization.substring(7).trim();
        return HexFormat.of().formatHex(sha256(token));
    }

    private static String keptHeaders(HttpResponse<?> answer) {
        Map<String, String> kept = new LinkedHashMap<>();
        for (String name : KEPT) {
            String value = answer.getHeaders().get(name);
            // A record's Content-Type is set when it is written, after this: it is JSON.
            if (value == null && name.equals(HttpHeaders.CONTENT_TYPE) && answer.getBody().isPresent()) {
                value = MediaType.APPLICATION_JSON;
            }
            if (value != null) {
                kept.put(name, value);
            }
        }
        return Json.write(kept);
    }

    private static MutableHttpResponse<String> replay(IdempotencyKeys.Stored stored) {
        MutableHttpResponse<String> answer = HttpResponse.<String>status(HttpStatus.valueOf(stored.status()))
                .body(stored.body());
        try {
            Json.mapper().readValue(stored.headersJson(), HEADERS).forEach(answer::header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored headers are not a JSON object", e);
        }
        return answer.header(REPLAYED, "true");
    }

    /** What the hash is taken of: {@code body} as the strict mapper writes it, less the fields not sent. */
    static String requestForm(Record body) {
        try {
            return REQUEST_FORM.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize " + body.getClass().getSimpleName(), e);
        }
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
