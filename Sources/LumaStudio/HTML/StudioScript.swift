/// The studio's one script, served as /studio-upload.js (the CSP allows scripts only from the
/// studio, never inline). It only adds a progress bar to the video upload form: the form posts
/// the same multipart body without it, and the page works the same.
enum StudioScript {
    static let upload = """
        // Luma Studio: upload progress for the video form. Without this script the form posts as usual.
        (function () {
          "use strict";
          var form = document.querySelector("form[data-upload]");
          if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
          var bar = document.getElementById("upload-progress");
          var status = document.getElementById("upload-status");
          var button = form.querySelector("button[type=submit]");
          function fail(message) {
            button.disabled = false;
            bar.hidden = true;
            status.textContent = message;
          }
          form.addEventListener("submit", function (event) {
            event.preventDefault();
            button.disabled = true;
            bar.hidden = false;
            bar.value = 0;
            status.textContent = "Uploading: 0%";
            var xhr = new XMLHttpRequest();
            xhr.open("POST", form.action);
            // The studio answers this request with where to go next, instead of a redirect.
            xhr.setRequestHeader("X-Luma-Upload", "xhr");
            xhr.responseType = "json";
            xhr.upload.addEventListener("progress", function (progress) {
              if (!progress.lengthComputable) { return; }
              var percent = Math.floor(progress.loaded * 100 / progress.total);
              bar.value = percent;
              status.textContent = percent < 100 ? "Uploading: " + percent + "%" : "Uploaded; checking the video...";
            });
            xhr.addEventListener("load", function () {
              var answer = xhr.response;
              if (xhr.status === 200 && answer && answer.location) {
                window.location.assign(answer.location);
              } else {
                fail("The upload was refused (HTTP " + xhr.status + "). Reload the page and try again.");
              }
            });
            xhr.addEventListener("error", function () {
              fail("The upload did not reach the studio. Check the connection and try again.");
            });
            xhr.send(new FormData(form));
          });
        })();

        """
}
