package dev.baton.coordinator.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** W3C Trace Context's parsing rules, as Baton applies them to a request's headers. */
class TraceHeadersTest {
    static final String TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
    static final String PARENT = "00-" + TRACE_ID + "-b7ad6b7169203331-01";

    private static TraceHeaders read(String traceparent, String... tracestates) {
        return TraceHeaders.fromRequest(List.of(traceparent), List.of(tracestates));
    }

    @Test
    void aValidContextIsKeptAsSent() {
        assertThat(read(PARENT)).isEqualTo(new TraceHeaders(PARENT, null));
        assertThat(read(PARENT, "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"))
                .isEqualTo(new TraceHeaders(PARENT, "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"));
        String unsampled = "00-" + TRACE_ID + "-b7ad6b7169203331-00";
        assertThat(read(unsampled).traceparent()).isEqualTo(unsampled);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01", // hex is lowercase only
            "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", // version ff is invalid
            "0g-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", // a version is hex
            "00-00000000000000000000000000000000-b7ad6b7169203331-01", // all-zero trace-id
            "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01", // all-zero parent-id
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0g", // flags are hex
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b716920333-01",  // parent-id one digit short
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-x", // version 00 has exactly 4 fields
            "00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            "",
            "nonsense"})
    void anInvalidTraceparentIsIgnoredWithItsTracestate(String traceparent) {
        assertThat(read(traceparent, "congo=t61rcWkgMzE")).isNull();
    }

    @Test
    void aHigherVersionIsReadByItsFirstFourFieldsAndStoredAsVersion00() {
        assertThat(read("cc-" + TRACE_ID + "-b7ad6b7169203331-01-what-the-future-holds"))
                .isEqualTo(new TraceHeaders(PARENT, null));
        assertThat(read("cc-" + TRACE_ID + "-b7ad6b7169203331-01x")).isNull();
    }

    @Test
    void twoTraceparentsAreInvalidAndSeveralTracestatesAreOneList() {
        assertThat(TraceHeaders.fromRequest(List.of(PARENT, PARENT), List.of())).isNull();
        assertThat(TraceHeaders.fromRequest(List.of(), List.of("a=1"))).isNull();
        assertThat(read(PARENT, "a=1", "b=2")).isEqualTo(new TraceHeaders(PARENT, "a=1,b=2"));
    }

    @Test
    void anInvalidTracestateIsDroppedAndTheTraceparentKept() {
        assertThat(read(PARENT, "no spaces in keys=1")).isEqualTo(new TraceHeaders(PARENT, null));
    }

    @Test
    void aTracestateOver512CharactersLosesItsLongEntriesFirstThenEntriesFromTheEnd() {
        String long1 = "long1=" + "x".repeat(150);
        String shortOnes = String.join(",", java.util.stream.IntStream.range(0, 30)
                .mapToObj(i -> String.format("k%02d=%s", i, "v".repeat(12))).toList()); // 30 entries of 16 characters
        String sent = "first=1," + long1 + "," + shortOnes;
        assertThat(sent.length()).isGreaterThan(512);
        String kept = read(PARENT, sent).tracestate();
        assertThat(kept).doesNotContain("long1=").startsWith("first=1,k00=");
        // without long1 still 517 characters: k29 goes too, and first=1 with k00..k28 fit (7 + 29 * 17 = 500)
        assertThat(kept).hasSize(500).endsWith(",k28=" + "v".repeat(12));
        assertThat(TraceHeaders.shortened("a=" + "x".repeat(600))).isNull();
    }

    @Test
    void aSpanContextRoundTrips() {
        SpanContext span = SpanContext.create(TRACE_ID, "b7ad6b7169203331", TraceFlags.getSampled(),
                TraceState.builder().put("rojo", "00f067aa0ba902b7").build());
        TraceHeaders headers = TraceHeaders.of(span);
        assertThat(headers).isEqualTo(new TraceHeaders(PARENT, "rojo=00f067aa0ba902b7"));
        SpanContext back = headers.spanContext();
        assertThat(back.getTraceId()).isEqualTo(TRACE_ID);
        assertThat(back.getSpanId()).isEqualTo("b7ad6b7169203331");
        assertThat(back.isSampled()).isTrue();
        assertThat(back.isRemote()).isTrue();
        assertThat(back.getTraceState().get("rojo")).isEqualTo("00f067aa0ba902b7");
        assertThat(TraceHeaders.of(SpanContext.getInvalid())).isNull();
        assertThat(TraceHeaders.stored(null, null)).isNull();
    }
}
