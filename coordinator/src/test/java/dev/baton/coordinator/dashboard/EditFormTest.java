package dev.baton.coordinator.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.baton.common.Requests;
import dev.baton.coordinator.error.BatonException;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EditFormTest {
    private static Map<String, String> form(Map<String, String> yours) {
        Map<String, String> f = new HashMap<>();
        f.put("expectedVersion", "4");
        f.put("base_priority", "0");
        f.put("base_maxAttempts", "5");
        f.put("base_runAt", "2026-11-22T10:00:00Z");
        f.put("base_payload", "{\n  \"a\" : 1\n}");
        f.put("base_labels", "{ }");
        f.put("priority", "0");
        f.put("maxAttempts", "5");
        f.put("runAt", "2026-11-22T10:00:00Z");
        f.put("payload", "{\n  \"a\" : 1\n}");
        f.put("labels", "{ }");
        f.putAll(yours);
        return f;
    }

    @Test
    void onlyTheFieldsTheUserChangedAreSent() {
        EditForm edit = EditForm.read(form(Map.of("payload", "{\"a\": 2}", "labels", "{}", "runAt",
                "2026-11-22T10:00:00.000Z")));
        assertThat(edit.changed()).containsExactly("payload");
        Requests.Patch patch = edit.patch();
        assertThat(patch.expectedVersion()).isEqualTo(4);
        assertThat(patch.payload().toString()).isEqualTo("{\"a\":2}");
        assertThat(patch.priority()).isNull();
        assertThat(patch.runAt()).isNull();
        assertThat(patch.labels()).isNull();
    }

    @Test
    void everyFieldIsReadAsTheApiTakesIt() {
        Requests.Patch patch = EditForm.read(form(Map.of("priority", " -3 ", "maxAttempts", "9",
                "runAt", "2026-12-01T00:00:00Z", "labels", "{\"team\": \"ops\"}"))).patch();
        assertThat(patch.priority()).isEqualTo(-3);
        assertThat(patch.maxAttempts()).isEqualTo(9);
        assertThat(patch.runAt()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
        assertThat(patch.labels()).containsEntry("team", "ops");
    }

    @Test
    void aValueThatCannotBeReadIsA400NamingItsField() {
        for (var bad : Map.of("priority", "high", "runAt", "tomorrow", "payload", "{", "labels", "[1]").entrySet()) {
            assertThatThrownBy(() -> EditForm.read(form(Map.of(bad.getKey(), bad.getValue()))).patch())
                    .isInstanceOf(BatonException.class)
                    .satisfies(e -> assertThat(((BatonException) e).errors().get(0).field()).isEqualTo(bad.getKey()));
        }
    }

    @Test
    void textTheDatabaseCannotStoreIsRefusedAsTheApiRefusesIt() {
        // a hostile probe: a lone surrogate in a payload was stored as "?" through the dashboard; the API refuses it
        for (var bad : Map.of("payload", "{\"a\": \"\\ud800\"}", "labels", "{\"k\\udc00\": \"v\"}").entrySet()) {
            assertThatThrownBy(() -> EditForm.read(form(Map.of(bad.getKey(), bad.getValue()))).patch())
                    .isInstanceOf(BatonException.class).hasMessageContaining("unpaired UTF-16 surrogate")
                    .satisfies(e -> assertThat(((BatonException) e).errors().get(0).field()).startsWith(bad.getKey()));
        }
        assertThatThrownBy(() -> EditForm.read(form(Map.of("payload", "[{\"b\": \"x\\u0000\"}]"))).patch())
                .isInstanceOf(BatonException.class)
                .satisfies(e -> assertThat(((BatonException) e).errors().get(0).field()).isEqualTo("payload[0].b"));
    }

    @Test
    void noVersionNoAction() {
        Map<String, String> f = form(Map.of());
        f.remove("expectedVersion");
        assertThatThrownBy(() -> EditForm.read(f)).isInstanceOf(BatonException.class);
        assertThatThrownBy(() -> EditForm.version(Map.of("expectedVersion", "v4"))).isInstanceOf(BatonException.class);
        assertThatThrownBy(() -> EditForm.version(null)).isInstanceOf(BatonException.class);
    }
}
