package dev.rtvoice.alerting.domain.rule;

import dev.rtvoice.alerting.domain.LabelSet;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An annotation with placeholders, rendered for each alert with what was measured:
 * {@code {{ $value }}}, {@code {{ $threshold }}}, {@code {{ $samples }}}, {@code {{ $labels.NAME }}},
 * and for numbers a format, {@code {{ $value | ms }}}, {@code | percent}, {@code | number} (default).
 * Parsed once when the rules load, so a typo fails the start instead of a page.
 */
public final class AnnotationTemplate {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{(.*?)}}");
  private static final Pattern EXPRESSION =
      Pattern.compile("\\s*\\$(value|threshold|samples|labels\\.([A-Za-z_][A-Za-z0-9_]*))\\s*(?:\\|\\s*(\\w+)\\s*)?");
  private static final MathContext FOUR_DIGITS = new MathContext(4);
  private static final MathContext THREE_DIGITS = new MathContext(3);

  /** What an alert's annotations are rendered from. */
  public record Context(double value, double threshold, double samples, LabelSet labels) {}

  private enum Format { NUMBER, MS, PERCENT }

  private sealed interface Part permits Text, Number, Label {}

  private record Text(String text) implements Part {}

  private record Number(String variable, Format format) implements Part {}

  private record Label(String name) implements Part {}

  private final String source;
  private final List<Part> parts;

  private AnnotationTemplate(String source, List<Part> parts) {
    this.source = source;
    this.parts = List.copyOf(parts);
  }

  /** Parses {@code source}; {@link IllegalArgumentException} says what is wrong with it. */
  public static AnnotationTemplate parse(String source) {
    List<Part> parts = new ArrayList<>();
    Matcher m = PLACEHOLDER.matcher(source);
    int last = 0;
    while (m.find()) {
      if (m.start() > last) {
        parts.add(new Text(source.substring(last, m.start())));
      }
      Matcher e = EXPRESSION.matcher(m.group(1));
      if (!e.matches()) {
        throw new IllegalArgumentException("unknown placeholder {{" + m.group(1)
            + "}}: use $value, $threshold, $samples or $labels.NAME, optionally | number, | ms or | percent");
      }
      String variable = e.group(1);
      String filter = e.group(3);
      if (e.group(2) != null) {
        if (filter != null) {
          throw new IllegalArgumentException("{{" + m.group(1) + "}}: a label takes no format");
        }
        parts.add(new Label(e.group(2)));
      } else {
        Format format = Format.NUMBER;
        if (filter != null) {
          format = switch (filter) {
            case "number" -> Format.NUMBER;
            case "ms" -> Format.MS;
            case "percent" -> Format.PERCENT;
            default -> throw new IllegalArgumentException("{{" + m.group(1) + "}}: unknown format '" + filter
                + "' (number, ms or percent)");
          };
        }
        parts.add(new Number(variable, format));
      }
      last = m.end();
    }
    if (source.indexOf("{{", last) >= 0) {
      throw new IllegalArgumentException("unclosed placeholder: '{{' without '}}'");
    }
    if (last < source.length()) {
      parts.add(new Text(source.substring(last)));
    }
    return new AnnotationTemplate(source, parts);
  }

  public String source() {
    return source;
  }

  public String render(Context context) {
    StringBuilder out = new StringBuilder(source.length() + 16);
    for (Part part : parts) {
      if (part instanceof Text t) {
        out.append(t.text());
      } else if (part instanceof Label l) {
        String v = context.labels().get(l.name());
        out.append(v == null ? "" : v);
      } else if (part instanceof Number n) {
        double v = switch (n.variable()) {
          case "value" -> context.value();
          case "threshold" -> context.threshold();
          default -> context.samples();
        };
        out.append(format(v, n.format()));
      }
    }
    return out.toString();
  }

  static String format(double v, Format format) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return Double.toString(v);
    }
    return switch (format) {
      case NUMBER -> number(v);
      case MS -> number(Math.abs(v) >= 10 ? Math.rint(v) : v) + " ms";
      case PERCENT -> new BigDecimal(v * 100).round(THREE_DIGITS).stripTrailingZeros().toPlainString() + "%";
    };
  }

  /** A number as annotations print it: integers plainly, others to four significant digits. */
  public static String number(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return Double.toString(v);
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return new BigDecimal(v).round(FOUR_DIGITS).stripTrailingZeros().toPlainString();
  }

  @Override
  public String toString() {
    return source;
  }
}
