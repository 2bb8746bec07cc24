package dev.switchboard.redis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A Lua script and the digest Redis knows it by ({@code EVALSHA}).
 *
 * @param text the script
 * @param sha1 its SHA-1, in hex
 */
public record LuaScript(String text, String sha1) {

	public static LuaScript of(String text) {
		try {
			byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
			return new LuaScript(text, HexFormat.of().formatHex(digest));
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("SHA-1 is part of every JVM", ex);
		}
	}

}
