package dev.switchboard.sticky;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Session ids and their signatures. A session id is 128 random bits; the cookie carries
 * it with a 128-bit HMAC-SHA256 tag, {@code <id>.<tag>} in base64url, so a forged or
 * altered id is recognised without asking Redis. The cookie never says anything about
 * backends.
 */
final class SessionCookies {

	private static final int ID_BYTES = 16;

	private static final int TAG_BYTES = 16;

	/**
	 * Length of a cookie value: two base64url blocks of 16 bytes (22 characters each) and
	 * a dot.
	 */
	private static final int VALUE_LENGTH = 45;

	private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

	private final SecureRandom random = new SecureRandom();

	private final SecretKeySpec key;

	private final ThreadLocal<Mac> macs;

	SessionCookies(String secret) {
		if (secret == null || secret.length() < 32) {
			throw new IllegalStateException(
					"switchboard.sticky.secret must be set to at least 32 characters, the same on"
							+ " every gateway replica, when a route is sticky (it signs the session cookie)");
		}
		this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
		this.macs = ThreadLocal.withInitial(this::newMac);
	}

	/** A new session id. */
	String newId() {
		byte[] id = new byte[ID_BYTES];
		this.random.nextBytes(id);
		return ENCODER.encodeToString(id);
	}

	/** The cookie value for a session id. */
	String sign(String id) {
		return id + "." + ENCODER.encodeToString(tag(id));
	}

	/**
	 * The session id in a cookie value, or null when the value is malformed, forged or
	 * altered.
	 */
	String verify(String value) {
		if (value == null || value.length() != VALUE_LENGTH || value.charAt(22) != '.') {
			return null;
		}
		String id = value.substring(0, 22);
		// Compared as text: base64 leaves spare bits in the last character, so comparing
		// decoded bytes would accept several spellings of one tag.
		byte[] presented = value.substring(23).getBytes(StandardCharsets.US_ASCII);
		byte[] expected = ENCODER.encodeToString(tag(id)).getBytes(StandardCharsets.US_ASCII);
		return MessageDigest.isEqual(presented, expected) ? id : null;
	}

	private byte[] tag(String id) {
		Mac mac = this.macs.get();
		return Arrays.copyOf(mac.doFinal(id.getBytes(StandardCharsets.US_ASCII)), TAG_BYTES);
	}

	private Mac newMac() {
		try {
			Mac mac = Mac.getInstance("HmacSHA256");
			mac.init(this.key);
			return mac;
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA256 is not available", ex);
		}
	}

}
