#include "gateway/tools/arguments.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace stopframe::gateway::args {
namespace {

// A short rendering of what the client sent, for error messages.
std::string Describe(const Json& value) {
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return absl::StrCat(value.type_name(), " ", text);
}

const Json* Find(const Json& arguments, absl::string_view name) {
  auto it = arguments.find(std::string(name));
  if (it == arguments.end() || it->is_null()) return nullptr;
  return &*it;
}

absl::Status WrongType(absl::string_view name, absl::string_view expected,
                       const Json& got) {
  return absl::InvalidArgumentError(
      absl::StrCat("`", name, "` must be ", expected, "; got ", Describe(got)));
}

absl::Status CheckLength(absl::string_view name, const std::string& value,
                         size_t max_bytes) {
  if (value.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("`", name, "` is ", value.size(),
                     " bytes long; the limit is ", max_bytes, " bytes"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckKnown(const Json& arguments,
                        const std::vector<absl::string_view>& known) {
  for (auto it = arguments.begin(); it != arguments.end(); ++it) {
    bool found = false;
    for (absl::string_view k : known) found = found || it.key() == k;
    if (!found) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown argument `", it.key(), "`; ",
          known.empty()
              ? "this tool takes no arguments: send {}"
              : absl::StrCat("this tool takes: ", absl::StrJoin(known, ", "))));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> RequiredString(const Json& arguments,
                                           absl::string_view name,
                                           size_t max_bytes) {
  const Json* v = Find(arguments, name);
  if (v == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("`", name, "` is required"));
  }
  if (!v->is_string()) return WrongType(name, "a string", *v);
  std::string value = v->get<std::string>();
  if (absl::Status s = CheckLength(name, value, max_bytes); !s.ok()) return s;
  return value;
}

absl::StatusOr<std::optional<std::string>> OptionalString(
    const Json& arguments, absl::string_view name, size_t max_bytes) {
  if (Find(arguments, name) == nullptr) return std::nullopt;
  absl::StatusOr<std::string> v = RequiredString(arguments, name, max_bytes);
  if (!v.ok()) return v.status();
  return *std::move(v);
}

absl::StatusOr<std::optional<std::optional<std::string>>> NullableString(
    const Json& arguments, absl::string_view name, size_t max_bytes) {
  auto it = arguments.find(std::string(name));
  if (it == arguments.end()) return std::nullopt;
  if (it->is_null()) {
    return std::optional<std::optional<std::string>>(
        std::optional<std::string>());
  }
  absl::StatusOr<std::string> v = RequiredString(arguments, name, max_bytes);
  if (!v.ok()) return v.status();
  return std::optional<std::optional<std::string>>(*std::move(v));
}

absl::Status NotNull(const Json& arguments, absl::string_view name) {
  auto it = arguments.find(std::string(name));
  if (it == arguments.end() || !it->is_null()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("`", name,
                   "` cannot be null; give a value, or leave it out to keep "
                   "the current one"));
}

namespace {

// Reads one integer JSON value (whole floats count) in [min, max].
std::string IntRange(int64_t min, int64_t max) {
  // Ids are bounded only by what JSON numbers carry exactly (2^53 - 1).
  if (max >= (int64_t{1} << 53) - 1) {
    return absl::StrCat("an integer of at least ", min);
  }
  return absl::StrCat("an integer from ", min, " to ", max);
}

absl::StatusOr<int64_t> ReadInt(absl::string_view name, const Json& v,
                                int64_t min, int64_t max) {
  const std::string expected = IntRange(min, max);
  int64_t value = 0;
  if (v.is_number_integer()) {
    if (v.is_number_unsigned() &&
        v.get<uint64_t>() > static_cast<uint64_t>(max)) {
      return WrongType(name, expected, v);
    }
    value = v.get<int64_t>();
  } else if (v.is_number_float()) {
    // 2026.0 is an integer to a JSON client; 2026.5 is not.
    double d = v.get<double>();
    if (!std::isfinite(d) || d != std::floor(d) || d < -9e15 || d > 9e15) {
      return WrongType(name, expected, v);
    }
    value = static_cast<int64_t>(d);
  } else {
    return WrongType(name, expected, v);
  }
  if (value < min || value > max) return WrongType(name, expected, v);
  return value;
}

}  // namespace

absl::StatusOr<int64_t> RequiredInt(const Json& arguments,
                                    absl::string_view name, int64_t min,
                                    int64_t max) {
  const Json* v = Find(arguments, name);
  if (v == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("`", name, "` is required: ", IntRange(min, max)));
  }
  return ReadInt(name, *v, min, max);
}

absl::StatusOr<std::optional<int64_t>> OptionalInt(const Json& arguments,
                                                   absl::string_view name,
                                                   int64_t min, int64_t max) {
  const Json* v = Find(arguments, name);
  if (v == nullptr) return std::nullopt;
  absl::StatusOr<int64_t> value = ReadInt(name, *v, min, max);
  if (!value.ok()) return value.status();
  return *value;
}

absl::StatusOr<std::vector<int64_t>> OptionalIntList(const Json& arguments,
                                                     absl::string_view name,
                                                     size_t max_items,
                                                     int64_t min, int64_t max) {
  std::vector<int64_t> out;
  const Json* v = Find(arguments, name);
  if (v == nullptr) return out;
  if (!v->is_array() || v->size() > max_items) {
    return WrongType(name,
                     absl::StrCat("an array of at most ", max_items,
                                  " items, each ", IntRange(min, max)),
                     *v);
  }
  for (size_t i = 0; i < v->size(); ++i) {
    absl::StatusOr<int64_t> item =
        ReadInt(absl::StrCat(name, "[", i, "]"), (*v)[i], min, max);
    if (!item.ok()) return item.status();
    out.push_back(*item);
  }
  return out;
}

absl::StatusOr<std::optional<double>> OptionalNumber(const Json& arguments,
                                                     absl::string_view name,
                                                     double min, double max) {
  const Json* v = Find(arguments, name);
  if (v == nullptr) return std::nullopt;
  const std::string expected = absl::StrCat("a number from ", min, " to ", max);
  if (!v->is_number()) return WrongType(name, expected, *v);
  double d = v->get<double>();
  if (!std::isfinite(d) || d < min || d > max) {
    return WrongType(name, expected, *v);
  }
  return d;
}

absl::StatusOr<std::optional<bool>> OptionalBool(const Json& arguments,
                                                 absl::string_view name) {
  const Json* v = Find(arguments, name);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) return WrongType(name, "true or false", *v);
  return v->get<bool>();
}

absl::StatusOr<std::vector<std::string>> OptionalStringList(
    const Json& arguments, absl::string_view name, size_t max_items,
    size_t max_bytes_each) {
  std::vector<std::string> out;
  const Json* v = Find(arguments, name);
  if (v == nullptr) return out;
  const std::string expected =
      absl::StrCat("an array of at most ", max_items, " strings");
  if (!v->is_array() || v->size() > max_items) {
    return WrongType(name, expected, *v);
  }
  for (const Json& item : *v) {
    if (!item.is_string()) return WrongType(name, expected, *v);
    std::string s = item.get<std::string>();
    if (absl::Status st =
            CheckLength(absl::StrCat(name, "[]"), s, max_bytes_each);
        !st.ok()) {
      return st;
    }
    out.push_back(std::move(s));
  }
  return out;
}

absl::StatusOr<std::optional<std::string>> OptionalEnum(
    const Json& arguments, absl::string_view name,
    const std::vector<absl::string_view>& allowed) {
  const Json* v = Find(arguments, name);
  if (v == nullptr) return std::nullopt;
  const std::string expected =
      absl::StrCat("one of \"", absl::StrJoin(allowed, "\", \""), "\"");
  if (!v->is_string()) return WrongType(name, expected, *v);
  const std::string& s = v->get_ref<const std::string&>();
  for (absl::string_view a : allowed) {
    if (s == a) return s;
  }
  return WrongType(name, expected, *v);
}

}  // namespace stopframe::gateway::args
