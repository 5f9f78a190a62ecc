package dev.rtvoice.alerting.domain.rule;

import java.util.Arrays;
import java.util.Optional;

/** The comparison of a rule's value with its threshold. */
public enum Comparison {
  GT(">"), GE(">="), LT("<"), LE("<="), EQ("=="), NE("!=");

  private final String symbol;

  Comparison(String symbol) {
    this.symbol = symbol;
  }

  public String symbol() {
    return symbol;
  }

  public boolean holds(double value, double threshold) {
    return switch (this) {
      case GT -> value > threshold;
      case GE -> value >= threshold;
      case LT -> value < threshold;
      case LE -> value <= threshold;
      case EQ -> value == threshold;
      case NE -> value != threshold;
    };
  }

  public static Optional<Comparison> fromSymbol(String symbol) {
    return Arrays.stream(values()).filter(c -> c.symbol.equals(symbol)).findFirst();
  }
}
