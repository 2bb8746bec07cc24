package dev.switchboard.upgrade;

/**
 * The backend did not answer in time (connect or handshake timeout): the client gets 504.
 */
public class BackendTimeoutException extends RuntimeException {

	public BackendTimeoutException(String message) {
		super(message, null, false, false);
	}

}
