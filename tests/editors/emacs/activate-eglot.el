;;; activate-eglot.el --- make Eglot loadable under emacs -Q  -*- lexical-binding: t; -*-

(require 'package)
;; Eglot is built in from Emacs 29; before that Debian ships it as elpa-eglot,
;; which -Q does not activate.
(unless (locate-library "eglot")
  (setq package-user-dir (make-temp-file "ent-ls-elpa" t))
  (dolist (dir '("/usr/share/emacs/site-lisp/elpa" "/usr/local/share/emacs/site-lisp/elpa"))
    (when (file-directory-p dir)
      (add-to-list 'package-directory-list dir)))
  (package-initialize))

;;; activate-eglot.el ends here
