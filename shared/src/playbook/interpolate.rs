//! `${VAR}` and `${VAR:-default}` interpolation, as Vector and Docker Compose do it.
use super::Problem;

/// Whole-line comments are left as they are, so documentation may show `${VAR}`.
/// A variable that is not set is reported once, with every line that uses it.
pub fn interpolate(
    text: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, Vec<Problem>> {
    let mut out = String::with_capacity(text.len());
    let mut problems = Vec::new();
    let mut unset = UnsetVariables::default();
    for (index, line) in text.split_inclusive('\n').enumerate() {
        if line.trim_start().starts_with('#') {
            out.push_str(line);
        } else {
            interpolate_line(line, index + 1, env, &mut out, &mut problems, &mut unset);
        }
    }
    problems.extend(unset.into_problems());
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Unset variables in order of first use, each with the lines that use it.
#[derive(Default)]
struct UnsetVariables(Vec<(String, Vec<usize>)>);

impl UnsetVariables {
    fn add(&mut self, name: &str, line: usize) {
        match self.0.iter_mut().find(|(n, _)| n == name) {
            Some((_, lines)) if lines.last() == Some(&line) => {}
            Some((_, lines)) => lines.push(line),
            None => self.0.push((name.to_string(), vec![line])),
        }
    }

    fn into_problems(self) -> impl Iterator<Item = Problem> {
        self.0.into_iter().map(|(name, lines)| {
            let lines: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            let (noun, list) = if lines.len() == 1 {
                ("line", lines[0].clone())
            } else {
                ("lines", lines.join(", "))
            };
            Problem::new(
                "playbook",
                format!("environment variable `{name}` is not set (used on {noun} {list})"),
                format!("set `{name}` (Terraform does) or write `${{{name}:-default}}`"),
            )
        })
    }
}

fn interpolate_line(
    line: &str,
    number: usize,
    env: &dyn Fn(&str) -> Option<String>,
    out: &mut String,
    problems: &mut Vec<Problem>,
    unset: &mut UnsetVariables,
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
                _ => unset.add(name, number),
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
        assert!(problems[0].message.contains("bad name"));
        assert!(problems[1].message.contains("`A`"));
        assert!(problems[2].message.contains("`B`"));
        assert!(interpolate("${OPEN", &env).is_err());
        assert_eq!(
            interpolate("# ${DOC}\nx = \"${SET}\"\n", &env).unwrap(),
            "# ${DOC}\nx = \"value\"\n"
        );
    }

    #[test]
    fn reports_an_unset_variable_once_with_the_lines_that_use_it() {
        let text = "a = \"${TOPIC}\"\nb = \"${SET}\"\nc = \"${TOPIC}-${TOPIC}\"\nd = \"${KEY}\"\n";
        let problems = interpolate(text, &env).unwrap_err();
        let messages: Vec<&str> = problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "environment variable `TOPIC` is not set (used on lines 1, 3)",
                "environment variable `KEY` is not set (used on line 4)",
            ]
        );
    }
}
