package dev.switchboard.upgrade;

/** The backend could not be reached or answered nonsense: the client gets 502. */
public class BackendUnavailableException extends RuntimeException {

	public BackendUnavailableException(String message) {
		super(message, null, false, false);
	}

}
