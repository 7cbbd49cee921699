//! The one filter that decides which paths are stories and which are
//! hidden, private or editor/temporary noise. Discovery and the watcher
//! both use it (pure).

use std::path::{Component, Path};

use crate::article::Format;

/// Whether a file name is left alone whatever its extension: hidden and
/// `_`-prefixed names, editor swap/backup/lock files, downloads in progress.
pub fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')              // hidden; also emacs `.#lock`, vim `.x.swp`
        || name.starts_with('_')       // private (Hugo/Jekyll convention)
        || name.starts_with('#')       // emacs `#autosave#`
        || name.starts_with("~$")      // MS Office lock
        || name.ends_with('~')         // vim/emacs backup
        || name == "4913"              // vim's write-permission probe
        || name.contains("___jb_tmp___")
        || name.contains("___jb_old___")
        || [".swp", ".swx", ".swo", ".tmp", ".temp", ".crdownload", ".part", ".partial", ".bak", ".orig", ".kate-swp"]
            .iter()
            .any(|ext| name.ends_with(ext))
}

/// Whether `rel` (relative to the articles folder) names a story file:
/// a `.md`, `.markdown` or `.txt` file, with no ignored component on the way.
pub fn is_story_path(rel: &Path) -> bool {
    let mut components = rel.components().peekable();
    if components.peek().is_none() {
        return false;
    }
    for component in components {
        match component {
            Component::Normal(name) => match name.to_str() {
                Some(name) if !is_ignored_name(name) => {}
                _ => return false,
            },
            _ => return false,
        }
    }
    Format::of(rel).is_some()
}

/// Whether `rel` (relative to the articles folder) may be published as
/// media: the same filter as stories — no hidden, private (`_`) or
/// editor/temporary component on the way — and not a story file itself,
/// so an attachment can never publish a draft's source or `.git/config`.
pub fn is_media_path(rel: &Path) -> bool {
    rel.file_name().is_some() && is_story_dir(rel) && !is_story_path(rel) && !rel.as_os_str().is_empty()
}

/// Whether a folder (relative to the articles folder) can hold stories.
pub fn is_story_dir(rel: &Path) -> bool {
    rel.components().all(|c| match c {
        Component::Normal(name) => name.to_str().is_some_and(|n| !is_ignored_name(n)),
        Component::CurDir => true,
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stories_and_noise() {
        let stories = ["a.md", "2024/03/a.markdown", "b.txt", "深/对标奋进.md", "a.b.md"];
        let noise = [
            "a.html",
            "a",
            "a.md~",
            ".a.md.swp",
            ".a.md.swx",
            "a.md.swp",
            "4913",
            "#a.md#",
            ".#a.md",
            "a.md.tmp",
            "a.md___jb_tmp___",
            "a.md___jb_old___",
            "a.md.crdownload",
            ".hidden.md",
            "_draft.md",
            "_private/a.md",
            ".git/a.md",
            "~$a.md",
            "a.md.bak",
            "a.md.orig",
            "x/.a.md.kate-swp",
            "../a.md",
            "/abs/a.md",
            "",
        ];
        for s in stories {
            assert!(is_story_path(Path::new(s)), "{s} is a story");
        }
        for n in noise {
            assert!(!is_story_path(Path::new(n)), "{n} is noise");
        }
    }

    #[test]
    fn media_paths() {
        for ok in ["photo.jpg", "2024/03/现场.png", "a.pdf", "x/a.mp3"] {
            assert!(is_media_path(Path::new(ok)), "{ok} may be media");
        }
        for private in [".git/config", "_drafts/a.jpg", "x/.env", "a.md", "2024/b.txt", "a.jpg~", "", ".", "../a.jpg"] {
            assert!(!is_media_path(Path::new(private)), "{private} is private");
        }
    }

    #[test]
    fn folders() {
        assert!(is_story_dir(Path::new("")));
        assert!(is_story_dir(Path::new("2024/03")));
        assert!(!is_story_dir(Path::new(".git")));
        assert!(!is_story_dir(Path::new("2024/_drafts")));
    }
}
