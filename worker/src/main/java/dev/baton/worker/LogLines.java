package dev.baton.worker;

import dev.baton.common.StorableText;
import java.nio.charset.StandardCharsets;

/**
 * The coordinator's rules for one log line, checked before the line is buffered: a line it would
 * refuse (U+0000, a lone surrogate, over 16 KiB of UTF-8) would make it refuse the whole batch
 * of up to 100 lines, so it is dropped alone, with a local warning, and gets no seq.
 */
final class LogLines {
    static final int MAX_MESSAGE_BYTES = 16 * 1024;

    private LogLines() {
    }

    /** Why the coordinator would refuse {@code message}, or null if it would store it. */
    static String refusal(String message) {
        if (message == null) {
            return "the message is null";
        }
        String unstorable = StorableText.problem(message);
        if (unstorable != null) {
            return "it " + unstorable;
        }
        // At most 3 bytes per char: only long messages need encoding to be measured.
        if (message.length() * 3L > MAX_MESSAGE_BYTES
                && message.getBytes(StandardCharsets.UTF_8).length > MAX_MESSAGE_BYTES) {
            return "it is over " + MAX_MESSAGE_BYTES + " bytes of UTF-8";
        }
        return null;
    }
}
