package dev.rtvoice.tokens.calls;

/**
 * A browser's SDP offer, checked before anything is spent on it. The offer comes from the client, so
 * it is hostile until shown otherwise: bounded in characters and lines, plain printable text, and
 * shaped like an SDP offer with an audio section (it must begin {@code v=0}). Plain Java, no I/O.
 */
public final class SdpOffer {
  /** A Chrome audio offer with its ICE candidates is 2 to 6 KiB; twice the largest is plenty. */
  public static final int MAX_CHARS = 12 * 1024;
  /** One line per attribute or candidate: a real offer has well under 100. */
  public static final int MAX_LINES = 300;
  /** No SDP line is this long (fingerprints and candidates are about 100 characters). */
  public static final int MAX_LINE_CHARS = 1024;

  /** Why an offer was refused: too big (413) or not an SDP offer (400). */
  public static final class Refused extends Exception {
    private final boolean tooLarge;

    Refused(boolean tooLarge, String message) {
      super(message, null, false, false);
      this.tooLarge = tooLarge;
    }

    public boolean tooLarge() {
      return tooLarge;
    }
  }

  private SdpOffer() {}

  /** Returns the offer unchanged when it passes, or throws saying why not. */
  public static String check(String offer) throws Refused {
    if (offer == null || offer.isEmpty()) {
      throw new Refused(false, "sdp is required");
    }
    if (offer.length() > MAX_CHARS) {
      throw new Refused(true, "the SDP offer is over " + MAX_CHARS + " characters");
    }
    if (!offer.startsWith("v=0\r\n") && !offer.startsWith("v=0\n")) {
      throw new Refused(false, "sdp is not an SDP offer: it must begin with v=0");
    }
    int lines = 0;
    int lineChars = 0;
    boolean audio = false;
    for (int i = 0; i < offer.length(); i++) {
      char c = offer.charAt(i);
      if (c == '\n') {
        if (++lines > MAX_LINES) {
          throw new Refused(true, "the SDP offer has over " + MAX_LINES + " lines");
        }
        lineChars = 0;
        continue;
      }
      if (c == '\r') {
        continue;
      }
      if (c < 0x20 || c == 0x7f) {
        throw new Refused(false, "sdp holds a control character");
      }
      if (++lineChars > MAX_LINE_CHARS) {
        throw new Refused(false, "an SDP line is over " + MAX_LINE_CHARS + " characters");
      }
      if (lineChars == 1 && offer.startsWith("m=audio ", i)) {
        audio = true;
      }
    }
    if (!audio) {
      throw new Refused(false, "the SDP offer has no audio section (m=audio)");
    }
    return offer;
  }
}
