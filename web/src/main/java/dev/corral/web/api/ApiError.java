package dev.corral.web.api;

import java.util.Map;

/**
 * The one error shape of every endpoint: {@code {"error": message, "code": ..., "detail": {...}}}.
 */
public record ApiError(String error, String code, Map<String, Object> detail) {}
