package dev.baton.coordinator.service;

import dev.baton.common.Json;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Who makes an admin change, as the audit trail and the job's events name it: the token's name.
 * {@code bulk}: the change is one operation of POST /jobs/bulk, which its audit row says.
 */
public record Actor(String name, boolean bulk) {
    public static Actor of(String name) {
        return new Actor(name, false);
    }

    public Actor inBulk() {
        return new Actor(name, true);
    }

    /** An audit row's details: {@code detail}, marked when the change came through a bulk. */
    public String details(Map<String, Object> detail) {
        Map<String, Object> all = new LinkedHashMap<>(detail);
        if (bulk) {
            all.put("via", "bulk");
        }
        return Json.write(all);
    }
}
