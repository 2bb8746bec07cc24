package dev.switchboard.sticky;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The session cookie: a random 128-bit session id and the instance the session is
 * assigned to, sealed with AES-256-GCM under a key derived (HKDF-SHA256) from
 * {@code switchboard.sticky.secret}. Clients can neither read the instance nor alter
 * anything: a forged or altered value fails authentication and is a new session, without
 * asking Redis. The instance in the cookie is what keeps a session on its instance while
 * Redis is unavailable or has lost its record; Redis stays the authority whenever it
 * answers.
 *
 * Value: base64url of
 * {@code version (1) | nonce (12) | ciphertext of (id (16) | instance) | tag (16)}, the
 * route id as associated data, so a cookie is only good for the route that set it. For an
 * instance {@code 10.0.3.7:8080} that is 58 bytes, 78 characters. Cookies sealed with a
 * previous secret ({@code previous-secrets}) are still read, and resealed with the
 * current one.
 */
final class SessionCookies {

	private static final byte VERSION = 1;

	private static final int ID_BYTES = 16;

	private static final int NONCE_BYTES = 12;

	private static final int TAG_BITS = 128;

	private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

	private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

	private static final byte[] KEY_INFO = "switchboard sticky cookie v1".getBytes(StandardCharsets.US_ASCII);

	private final SecureRandom random = new SecureRandom();

	/** The current key first, then the previous ones, which are only read. */
	private final List<SecretKeySpec> keys;

	SessionCookies(String secret) {
		this(secret, List.of());
	}

	/**
	 * Cookies sealed with {@code secret}, read with it or any previous one.
	 * @param secret the current secret, at least 32 characters
	 * @param previousSecrets secrets cookies may still be sealed with, during a rotation
	 */
	SessionCookies(String secret, List<String> previousSecrets) {
		this.keys = new ArrayList<>();
		this.keys.add(key(secret, "switchboard.sticky.secret"));
		for (String previous : previousSecrets) {
			this.keys.add(key(previous, "switchboard.sticky.previous-secrets"));
		}
	}

	/** A new session id (22 base64url characters). */
	String newId() {
		byte[] id = new byte[ID_BYTES];
		this.random.nextBytes(id);
		return ENCODER.encodeToString(id);
	}

	/** The cookie value for a session on a route, assigned to {@code instance}. */
	String seal(String routeId, String sessionId, String instance) {
		byte[] id = DECODER.decode(sessionId);
		byte[] instanceBytes = instance.getBytes(StandardCharsets.UTF_8);
		byte[] nonce = new byte[NONCE_BYTES];
		this.random.nextBytes(nonce);
		try {
			Cipher cipher = cipher(Cipher.ENCRYPT_MODE, this.keys.get(0), nonce, routeId);
			byte[] plain = ByteBuffer.allocate(ID_BYTES + instanceBytes.length).put(id).put(instanceBytes).array();
			byte[] sealed = cipher.doFinal(plain);
			return ENCODER.encodeToString(
					ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length).put(VERSION).put(nonce).put(sealed).array());
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("Cannot seal a session cookie", ex);
		}
	}

	/**
	 * What a cookie value holds, or null when it is malformed, forged, altered or for
	 * another route.
	 */
	Opened open(String routeId, String value) {
		if (value == null || value.isEmpty() || value.length() > 512) {
			return null;
		}
		byte[] bytes;
		try {
			bytes = DECODER.decode(value);
		}
		catch (IllegalArgumentException ex) {
			return null;
		}
		if (!ENCODER.encodeToString(bytes).equals(value)) {
			// The decoder ignores the unused low bits of the last character: a value that
			// differs only there decodes to the same bytes. Only the one encoding the
			// gateway writes is accepted, so that any altered character is refused.
			return null;
		}
		if (bytes.length < 1 + NONCE_BYTES + ID_BYTES + TAG_BITS / 8 || bytes[0] != VERSION) {
			return null;
		}
		byte[] nonce = Arrays.copyOfRange(bytes, 1, 1 + NONCE_BYTES);
		for (int i = 0; i < this.keys.size(); i++) {
			try {
				Cipher cipher = cipher(Cipher.DECRYPT_MODE, this.keys.get(i), nonce, routeId);
				byte[] plain = cipher.doFinal(bytes, 1 + NONCE_BYTES, bytes.length - 1 - NONCE_BYTES);
				String id = ENCODER.encodeToString(Arrays.copyOf(plain, ID_BYTES));
				String instance = new String(plain, ID_BYTES, plain.length - ID_BYTES, StandardCharsets.UTF_8);
				return new Opened(id, instance, i > 0);
			}
			catch (GeneralSecurityException ex) {
				// not sealed with this key: try the next
			}
		}
		return null;
	}

	private static Cipher cipher(int mode, SecretKeySpec key, byte[] nonce, String routeId)
			throws GeneralSecurityException {
		Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
		cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, nonce));
		cipher.updateAAD(routeId.getBytes(StandardCharsets.UTF_8));
		return cipher;
	}

	/**
	 * An AES-256 key from a secret: HKDF-SHA256 (RFC 5869) extract and one expand block.
	 */
	private static SecretKeySpec key(String secret, String property) {
		if (secret == null || secret.length() < 32) {
			throw new IllegalStateException(property + " must be set to at least 32 characters, the same on every"
					+ " gateway replica, when a route is sticky (it seals the session cookie)");
		}
		try {
			Mac extract = Mac.getInstance("HmacSHA256");
			extract.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
			byte[] prk = extract.doFinal(secret.getBytes(StandardCharsets.UTF_8));
			Mac expand = Mac.getInstance("HmacSHA256");
			expand.init(new SecretKeySpec(prk, "HmacSHA256"));
			expand.update(KEY_INFO);
			expand.update((byte) 1);
			return new SecretKeySpec(expand.doFinal(), "AES");
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HmacSHA256 is not available", ex);
		}
	}

	/**
	 * A cookie's content.
	 *
	 * @param sessionId the session id
	 * @param instance the instance the session was assigned to when the cookie was set
	 * @param previousKey whether it was sealed with a previous secret (it is resealed)
	 */
	record Opened(String sessionId, String instance, boolean previousKey) {
	}

}
