//! `${VAR}` and `${VAR:-default}` interpolation, as Vector and Docker Compose do it.
use super::Problem;

/// Whole-line comments are left as they are, so documentation may show `${VAR}`.
pub fn interpolate(
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, Vec<Problem>> {
    let mut out = String::with_capacity(text.len());
    let mut problems = Vec::new();
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('#') {
            out.push_str(line);
        } else {
            interpolate_line(line, env, &mut out, &mut problems);
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

fn interpolate_line(
    line: &str,
    env: &dyn Fn(&str) -> Option<String>,
    out: &mut String,
    problems: &mut Vec<Problem>,
) {
    let mut rest = line;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            problems.push(Problem::new(
                "playbook",
                "`${` without a closing `}`",
                "close the variable reference, e.g. `${AIIR_QUARANTINE_BUCKET}`",
            ));
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let inner = &after[..end];
        let (name, default) = match inner.split_once(":-") {
            Some((name, default)) => (name, Some(default)),
            None => (inner, None),
        };
        let valid_name =
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_name {
            problems.push(Problem::new(
                "playbook",
                format!("`${{{inner}}}` is not a valid variable reference"),
                "use letters, digits and `_` only, e.g. `${AIIR_SNS_TOPIC}`",
            ));
        } else {
            match (env(name), default) {
                (Some(value), _) if !value.is_empty() => out.push_str(&value),
                (_, Some(default)) => out.push_str(default),
                _ => problems.push(Problem::new(
                    "playbook",
                    format!("environment variable `{name}` is not set"),
                    format!("set `{name}` (Terraform does) or write `${{{name}:-default}}`"),
                )),
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "SET").then(|| "value".to_string())
    }

    #[test]
    fn substitutes_defaults_and_reports_every_missing_variable() {
        assert_eq!(interpolate("a ${SET} b", &env).unwrap(), "a value b");
        assert_eq!(interpolate("${UNSET:-x}", &env).unwrap(), "x");
        let problems = interpolate("${A} ${B} ${bad name}", &env).unwrap_err();
        assert_eq!(problems.len(), 3);
        assert!(problems[0].message.contains("`A`"));
        assert!(problems[1].message.contains("`B`"));
        assert!(interpolate("${OPEN", &env).is_err());
        assert_eq!(
            interpolate("# ${DOC}\nx = \"${SET}\"\n", &env).unwrap(),
            "# ${DOC}\nx = \"value\"\n"
        );
    }
}
