"""Course generation: a staged language-model pipeline that writes a course
document from a topic and a learner's preferences, and the jobs that run it."""
